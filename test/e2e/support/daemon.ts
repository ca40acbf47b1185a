import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, childEnv, finished, logLines, REPO, type Env, type Finished } from './processes.js';

const START_TIMEOUT_MS = 45_000;

/** A daemon under test: started the way a user starts it, watched through its JSON log lines. */
export class DaemonProcess {
  readonly exited: Promise<Finished>;
  private stderrText = '';

  private constructor(private readonly child: ChildProcess) {
    child.stderr?.on('data', (chunk: Buffer) => (this.stderrText += chunk.toString()));
    this.exited = finished(child);
  }

  /** `via: 'npm'` runs `npm start -- <args>`, `'bin'` runs `delegations run <args>`. */
  static start(via: 'npm' | 'bin', args: readonly string[], env: Env): DaemonProcess {
    const [command, argv] = via === 'npm' ? ['npm', ['start', '--silent', '--', ...args]] : [process.execPath, [BIN, 'run', ...args]];
    return new DaemonProcess(spawn(command, argv, { cwd: REPO, env: childEnv({ PORT: '0', ...env }), stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  get logs(): Record<string, unknown>[] {
    return logLines(this.stderrText);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first log line with this message, or fails when the daemon exits or the time runs out. */
  async waitForLog(msg: string, timeoutMs = START_TIMEOUT_MS): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.logs.find((entry) => entry.msg === msg);
      if (line !== undefined) return line;
      if (!this.running) throw new Error(`daemon exited before logging "${msg}":\n${this.stderrText}`);
      if (Date.now() > deadline) throw new Error(`no "${msg}" within ${timeoutMs} ms:\n${this.stderrText}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The admin API's base URL, once it listens. */
  async url(): Promise<string> {
    return String((await this.waitForLog('admin API listening')).url);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** For afterAll: a daemon a failed test left behind must not outlive the run. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited.catch(() => undefined);
  }
}

export type ApiResponse = { readonly status: number; readonly body: unknown; readonly text: string; readonly headers: Headers };

export async function api(
  base: string,
  path: string,
  init: { method?: string | undefined; token?: string | undefined; body?: string | undefined; contentType?: string | undefined } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const response = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers, body: init.body ?? null });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, body, text, headers: response.headers };
}
