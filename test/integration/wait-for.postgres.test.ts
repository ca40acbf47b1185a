import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDelegations } from '../../src/delegations.js';
import type { WiredDelegations } from '../../src/wiring.js';
import { REPO } from '../e2e/support/processes.js';
import { recordingLogger, type LogLine } from '../support/memory.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { eventually } from '../support/subscriptions.js';

const WAITERS = 1000;
const COMPLETER = fileURLToPath(new URL('./support/complete-delegations.ts', import.meta.url));
const run = promisify(execFile);

let database: TestDatabase;
let admin: pg.Client;
// Names this process's connections, so pg_stat_activity tells them from the completing process's.
const application = `dl_waiters_${process.pid}`;

beforeAll(async () => {
  database = await createTestDatabase('wait_for');
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await database?.drop();
});

async function waitingProcess(lines: LogLine[]): Promise<WiredDelegations> {
  const url = new URL(database.url);
  url.searchParams.set('application_name', application);
  return openDelegations({ store: 'postgres', connectionString: url.toString(), poolSize: 4, logger: recordingLogger(lines), env: {} });
}

async function connections(): Promise<{ listening: number; total: number }> {
  const { rows } = await admin.query<{ listening: string; total: string }>(
    `SELECT count(*) FILTER (WHERE query ILIKE 'LISTEN %') AS listening, count(*) AS total
       FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
    [application],
  );
  return { listening: Number(rows[0]?.listening), total: Number(rows[0]?.total) };
}

const readers = (lines: LogLine[]) =>
  lines.filter((l) => l.message === 'subscription started' && String(l.fields.subscription).startsWith('delegations.waitFor'));

it('1,000 waiters in one process on delegations another process completes all resolve, over one LISTEN connection and one reader', async () => {
  const lines: LogLine[] = [];
  const waiting = await waitingProcess(lines);
  try {
    const ids = Array.from({ length: WAITERS }, (_, i) => `w${i}`);
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(ids.slice(i, i + 100).map((delegationId) => waiting.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 't', delegationId })));
    }
    const settled = ids.map((id) => waiting.ledger.waitFor(id, { timeoutMs: 120_000 }));
    await eventually('the shared reader listens', async () => (await connections()).listening === 1);

    const resolved = { count: 0 };
    for (const waiter of settled) void waiter.then(() => (resolved.count += 1));
    const child = run(process.execPath, ['--import', 'tsx', COMPLETER, database.url, 'w', String(WAITERS)], { cwd: REPO, timeout: 120_000 });
    // Sampled for as long as any waiter waits, so the counts are those of the waiting process at work.
    const samples: { listening: number; total: number; pending: number }[] = [];
    while (resolved.count < WAITERS) {
      samples.push({ ...(await connections()), pending: WAITERS - resolved.count });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const { stdout } = await child;
    expect(JSON.parse(stdout)).toMatchObject({ applied: WAITERS });

    const delegations = await Promise.all(settled);
    expect(delegations.map((d) => [d.delegationId, d.status, d.resultPreview])).toEqual(ids.map((id, i) => [id, 'completed', `result ${i}`]));
    expect(readers(lines)).toHaveLength(1);
    expect(samples.length).toBeGreaterThan(0);
    expect(new Set(samples.map((sample) => sample.listening))).toEqual(new Set([1]));
    // The pool (4) and the listening connection: nothing per waiter.
    expect(Math.max(...samples.map((sample) => sample.total))).toBeLessThanOrEqual(5);
    expect(samples.some((sample) => sample.pending < WAITERS && sample.pending > 0)).toBe(true);
    // The last waiter gone, the reader stops and its LISTEN connection closes.
    await eventually('the listening connection closes', async () => (await connections()).listening === 0);
  } finally {
    await waiting.close();
  }
});

it('hears of a completion that was in flight while its reader started and its row was read', async () => {
  const waiting = await waitingProcess([]);
  const writer = new pg.Client({ connectionString: database.url });
  await writer.connect();
  try {
    await waiting.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 't', delegationId: 'held' });
    // A completion that took its position and has not committed yet...
    await writer.query('BEGIN');
    await writer.query(`UPDATE delegations SET status = 'completed', version = 2, result_preview = 'late', updated_at = now() WHERE delegation_id = 'held'`);
    await writer.query(
      `INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
        VALUES ('held', 2, 1, 'completed', 'queued', 'completed', 'agent', '{"result": "late"}', now())`,
    );
    // ...below an event committed after it: a reader starting at the last committed event would skip it.
    await waiting.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 't', delegationId: 'after' });
    const settled = waiting.ledger.waitFor('held', { timeoutMs: 15_000 });
    const state = { resolved: false };
    void settled.then(
      () => (state.resolved = true),
      () => undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(state.resolved).toBe(false);
    await writer.query('COMMIT');
    expect(await settled).toMatchObject({ delegationId: 'held', status: 'completed', resultPreview: 'late' });
  } finally {
    await writer.end();
    await waiting.close();
  }
});
