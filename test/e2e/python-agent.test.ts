import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashToken, newToken } from '../../src/adapters/http/identity.js';
import { createClient, type DelegationsClient } from '../../src/client.js';
import { DaemonProcess } from './support/daemon.js';
import { childEnv, type Env, finished, REPO, type Finished } from './support/processes.js';
import { withDatabase } from './support/seed.js';

const AGENT = join(REPO, 'test', 'agents', 'agent.py');
const CALLEE = 'py-agent';
const TOKENS = { caller: newToken(), agent: newToken() };
const TABLE = JSON.stringify([
  { role: 'caller', name: 'py-caller', sha256: hashToken(TOKENS.caller), callerId: 'py-caller' },
  { role: 'agent', name: 'py-agent', sha256: hashToken(TOKENS.agent), calleeId: CALLEE },
]);

/** python3 on PATH: CI has it (and fails without it); elsewhere the suite is skipped with a reason. */
function pythonMissing(): boolean {
  const found = spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env.CI === 'true') throw new Error('the Python agent suite needs python3 on PATH');
  return !found;
}

type Line = Record<string, unknown> & { readonly event: string };

/** The Python agent as a child process, its JSON lines read as they come. */
class PythonAgent {
  readonly done: Promise<Finished>;
  private out = '';
  constructor(base: string, args: readonly string[]) {
    const child = spawn('python3', [AGENT, ...args], {
      env: childEnv({ DELEGATIONS_URL: base, AGENT_TOKEN: TOKENS.agent, PYTHONDONTWRITEBYTECODE: '1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => (this.out += chunk.toString()));
    this.done = finished(child);
  }

  get lines(): Line[] {
    return this.out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Line);
  }

  /** The first line of this event; fails if the agent exits without it. */
  async line(event: string): Promise<Line> {
    let exited = false;
    void this.done.then(() => (exited = true));
    for (;;) {
      const found = this.lines.find((line) => line.event === event);
      if (found !== undefined) return found;
      if (exited) throw new Error(`the agent exited without "${event}":\n${this.out}\n${(await this.done).stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

const daemons: DaemonProcess[] = [];
afterAll(async () => {
  await Promise.all(daemons.map((daemon) => daemon.kill()));
});

/** A daemon with the caller's and the agent's tokens, for the scenario; stopped after it. */
async function withDaemon(args: readonly string[], env: Env): Promise<void> {
  const daemon = DaemonProcess.start('bin', args, { DELEGATIONS_TOKENS: TABLE, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env });
  daemons.push(daemon);
  try {
    const base = await daemon.url();
    await daemon.waitForLog('sweeper started');
    await scenario(base, createClient({ baseUrl: base, token: TOKENS.caller }));
  } finally {
    await daemon.kill();
  }
}

/** The scenario: one agent is cancelled through the API and stops, another completes its delegation. */
async function scenario(base: string, caller: DelegationsClient): Promise<void> {
  const first = await caller.create({ calleeId: CALLEE, task: 'watch the queue' });
  const beating = new PythonAgent(base, ['--mode', 'beat', '--interval-ms', '50']);
  expect(await beating.line('claimed')).toMatchObject({ delegationId: first.delegationId, attempt: 1, task: 'watch the queue' });
  expect(await beating.line('started')).toMatchObject({ status: 'in_progress', outcome: 'applied' });
  expect(await caller.cancel(first.delegationId, { reason: 'no longer needed' })).toMatchObject({ outcome: 'applied' });
  const stopped = await beating.line('stopped');
  expect(stopped).toMatchObject({ reason: 'cancelled', status: 'cancelled' });
  const exit = await beating.done;
  expect(exit.code, exit.stderr).toBe(0);
  expect((await caller.history(first.delegationId)).map((e) => e.type)).toEqual(['created', 'dispatched', 'started', 'cancelled']);

  const second = await caller.create({ calleeId: CALLEE, task: 'answer the question' });
  const completing = new PythonAgent(base, ['--mode', 'complete', '--result', 'forty-two']);
  const result = await completing.done;
  expect(result.code, result.stderr).toBe(0);
  expect(completing.lines.map((line) => line.event)).toEqual(['claimed', 'started', 'completed']);
  expect(completing.lines.at(-1)).toMatchObject({ outcome: 'applied', status: 'completed', result: 'forty-two' });
  expect(await caller.waitFor(second.delegationId, { timeoutMs: 10_000 })).toMatchObject({ status: 'completed', resultPreview: 'forty-two' });
}

describe.skipIf(pythonMissing())('a Python agent (standard library only) against the daemon', () => {
  it('on PGlite: claims, beats, is cancelled through the API and stops; another completes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'delegations-python-'));
    try {
      await withDaemon(['--data-dir', join(dir, 'data')], {});
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on PostgreSQL: the same', () => withDatabase('e2e_python_agent', (db) => withDaemon([], { DATABASE_URL: db.url })));
});
