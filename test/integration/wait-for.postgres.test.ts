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

const readers = (lines: LogLine[]) => lines.filter((l) => l.message === 'subscription started' && String(l.fields.subscription).startsWith('delegations.waitFor'));

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

    const { stdout } = await run(process.execPath, ['--import', 'tsx', COMPLETER, database.url, 'w', String(WAITERS)], { cwd: REPO, timeout: 120_000 });
    expect(JSON.parse(stdout)).toMatchObject({ applied: WAITERS });
    const during = await connections();

    const delegations = await Promise.all(settled);
    expect(delegations.map((d) => [d.delegationId, d.status, d.resultPreview])).toEqual(ids.map((id, i) => [id, 'completed', `result ${i}`]));
    expect(readers(lines)).toHaveLength(1);
    expect(during.listening).toBe(1);
    // The pool (4) and the listening connection: nothing per waiter.
    expect(during.total).toBeLessThanOrEqual(5);
    // The last waiter gone, the reader stops and its LISTEN connection closes.
    await eventually('the listening connection closes', async () => (await connections()).listening === 0);
  } finally {
    await waiting.close();
  }
});
