import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, childEnv, REPO } from '../../e2e/support/processes.js';

/** `delegations events --follow --json` in a process of its own, as an operator tails the log. */
export class EventFollower {
  readonly positions: number[] = [];
  readonly exited: Promise<number | null>;
  private partial = '';
  private stderr = '';
  private readonly child: ChildProcess;

  constructor(databaseUrl: string) {
    this.child = spawn(process.execPath, [BIN, 'events', '--follow', '--json'], {
      cwd: REPO,
      env: childEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.take(chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get errors(): string {
    return this.stderr;
  }

  /** Interrupts it as Ctrl-C would; resolves with its exit code. */
  async stop(): Promise<number | null> {
    if (this.running) this.child.kill('SIGINT');
    return this.exited;
  }

  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  private take(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') this.positions.push((JSON.parse(line) as { position: number }).position);
  }
}
