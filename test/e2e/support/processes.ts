import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The bin exactly as `npx delegations` runs it. */
export const BIN = fileURLToPath(new URL('../../../bin/delegations.js', import.meta.url));

// Whatever the shell running the tests has set must not steer the processes under test.
const INHERITED_OUT = [
  'DATABASE_URL',
  'DELEGATIONS_ADMIN_TOKEN',
  'DELEGATIONS_TOKENS',
  'DELEGATIONS_TOKENS_FILE',
  'PORT',
  'HOST',
  'LOG_LEVEL',
  'DELEGATION_SWEEPER_INTERVAL_S',
  'DELEGATION_STUCK_THRESHOLD_S',
  'DELEGATION_OUTAGE_GAP_S',
  'DELEGATION_RETRY',
  'DELEGATIONS_ALLOWED_HOSTS',
];

export type Env = Record<string, string | undefined>;

export function childEnv(extra: Env = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of INHERITED_OUT) delete env[name];
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) env[name] = value;
  return env;
}

export type Finished = { readonly code: number | null; readonly stdout: string; readonly stderr: string };

/** Runs `delegations <args>` to the end. */
export function runCli(args: readonly string[], options: { env?: Env; cwd?: string } = {}): Promise<Finished> {
  return finished(spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] }));
}

export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON lines pino wrote on stderr; other lines (npm's banner) are skipped. */
export function logLines(stderr: string): Record<string, unknown>[] {
  return stderr.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
