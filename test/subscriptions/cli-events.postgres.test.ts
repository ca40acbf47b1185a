import { createTestDatabase } from '../support/postgres.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as eventsCommand from '../../src/adapters/cli/commands/events.js';
import { UsageError } from '../../src/adapters/cli/errors.js';
import { createProgram } from '../../src/adapters/cli/program.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { createDelegations, type Delegations } from '../../src/delegations.js';
import { eventually } from '../support/subscriptions.js';

// `delegations events` as an operator runs it: the bin, in a process of its own.
const BIN = fileURLToPath(new URL('../../bin/delegations.js', import.meta.url));
let url: string;
let drop: () => Promise<void>;
let d: Delegations;

beforeAll(async () => {
  const database = await createTestDatabase('cli_events');
  url = database.url;
  drop = database.drop;
  d = await createDelegations({ store: 'postgres', connectionString: url, logger: silentLogger, env: {} });
  for (const id of ['one', 'two']) {
    await d.ledger.create({ callerId: 'c', calleeId: 'agent', task: 't', delegationId: id });
    await d.ledger.setStatus(id, id === 'one' ? 'completed' : 'failed', { resultPreview: 'ok', errorDetail: 'boom' });
  }
});
afterAll(async () => {
  await d?.close();
  await drop?.();
});

function events(...args: string[]) {
  const child = spawn(process.execPath, [BIN, 'events', ...args], { env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return { child, exited, out: () => stdout, err: () => stderr, lines: () => stdout.split('\n').filter((line) => line !== '') };
}

it('prints the log from a position, as JSON lines, and exits', async () => {
  const run = events('--from', '2', '--json');
  expect(await run.exited, run.err()).toBe(0);
  const printed = run.lines().map((line) => JSON.parse(line) as { position: number; type: string; delegationId: string });
  expect(printed.map((event) => [event.position, event.type, event.delegationId])).toEqual([
    [2, 'completed', 'one'],
    [3, 'created', 'two'],
    [4, 'failed', 'two'],
  ]);
});

it('follows the log until interrupted', async () => {
  const run = events('--follow');
  await eventually('the existing events are printed', () => run.lines().length === 4, 20_000);
  await d.ledger.create({ callerId: 'c', calleeId: 'agent', task: 't', delegationId: 'three' });
  await eventually('the new event is printed', () => run.out().includes('three'), 10_000);
  run.child.kill('SIGINT');
  expect(await run.exited, run.err()).toBe(0);
  expect(run.lines()[4]).toMatch(/^\s+5\s+\S+\s+created\s+three\s+- -> queued/);
});

it('refuses a position that is not one, before opening anything', async () => {
  const program = createProgram([eventsCommand]);
  await expect(program.parseAsync(['node', 'delegations', 'events', '--from', 'zero'])).rejects.toThrow(UsageError);
});
