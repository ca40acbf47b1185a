import { createTestDatabase } from '../support/postgres.js';
import { RESET_WITH_CHECKPOINTS } from '../support/tables.js';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SubscriptionHandle } from '../../src/app/subscriptions-api.js';
import { connectPostgres, type Connection } from '../../src/adapters/drizzle/connections.js';
import { query, type DrizzleDb } from '../../src/adapters/drizzle/db.js';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import type { StoredEvent } from '../../src/domain/index.js';
import { heldTransactions, naiveReader } from './postgres-support.js';
import { eventually, insertDelegation, insertEvent, ledgerOn, shared, sleep, type Ledgered } from '../support/subscriptions.js';
import { mulberry32 } from '../../src/simulator/prng.js';

// Many writers on several connections, transactions of varying length, some rolled
// back, while one subscription runs; a naive `position > checkpoint` reader polls
// beside it to show the scenario does commit positions out of order.
const WRITERS = 8;
const ITERATIONS = 30;
const BATCH = 25;
type Mode = 'steady' | 'crash and restart' | 'transactional, connection lost';
const ROUNDS: readonly Mode[] = ['steady', 'steady', 'steady', 'crash and restart', 'transactional, connection lost'];

let connection: Connection;
let writers: pg.Pool;
let drop: () => Promise<void>;

beforeAll(async () => {
  const database = await createTestDatabase('writers');
  drop = database.drop;
  connection = await connectPostgres({ connectionString: database.url, poolSize: 6 });
  writers = new pg.Pool({ connectionString: database.url, max: WRITERS + 2 });
  writers.on('error', () => undefined);
  await query(connection.db, sql`CREATE TABLE handled (position bigint NOT NULL)`);
});
afterAll(async () => {
  await writers?.end();
  await connection?.close();
  await drop?.();
});

type Figures = {
  round: number;
  mode: Mode;
  writers: number;
  events: number;
  rolledBack: number;
  ms: number;
  duplicates: number;
  effectDuplicates: number;
  naiveMissed: number;
};

it('delivers every committed event once per checkpoint, in position order, whatever order transactions commit in', async () => {
  const figures: Figures[] = [];
  for (const [round, mode] of ROUNDS.entries()) figures.push(await runRound(round, mode));
  console.log(`subscription under concurrent writers (${ITERATIONS} transactions per writer, batches of ${BATCH}):`);
  console.table(figures);
  // The check can fail: the naive reader, fed the same commits, lost events.
  expect(figures.reduce((sum, row) => sum + row.naiveMissed, 0)).toBeGreaterThan(0);
});

async function runRound(round: number, mode: Mode): Promise<Figures> {
  await query(connection.db, sql.raw(`${RESET_WITH_CHECKPOINTS}; TRUNCATE handled`));
  const d = ledgerOn(drizzleModule(shared(connection)));
  const consumer = startConsumer(d, mode);
  const naive = naiveReader(connection.db);
  let writing = true;
  const naiveLoop = (async () => {
    while (writing) await naive.poll().then(() => sleep(1));
  })();
  const started = performance.now();
  const rolledBack = (await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(d, mulberry32(round * 100 + w), `r${round}w${w}`)))).flat();
  const truth = (await query(connection.db, sql`SELECT position FROM delegation_events ORDER BY position`)).map((row) => Number(row.position));
  await eventually('the subscription catches up', () => (consumer.current().position ?? 0) >= (truth.at(-1) ?? 0), 20_000);
  const ms = Math.round(performance.now() - started);
  writing = false;
  await naiveLoop;
  await d.close();

  const delivered = consumer.delivered.map((event) => event.position);
  expect([...new Set(delivered)]).toEqual(truth);
  // Each subscription delivers in position order; only a rolled-back transaction hands a batch over again.
  if (mode !== 'transactional, connection lost') for (const run of consumer.runs) expect(isIncreasing(run), mode).toBe(true);
  expect(consumer.delivered.some((event) => rolledBack.includes(event.delegationId))).toBe(false);
  const duplicates = delivered.length - truth.length;
  if (mode === 'steady') expect(duplicates).toBe(0);
  if (mode === 'crash and restart') expect(duplicates).toBeLessThanOrEqual(BATCH);
  const effects = (await query(connection.db, sql`SELECT position FROM handled ORDER BY position`)).map((row) => Number(row.position));
  if (mode === 'transactional, connection lost') expect(effects).toEqual(truth);
  const effectDuplicates = mode === 'transactional, connection lost' ? effects.length - truth.length : duplicates;
  const naiveMissed = truth.length - naive.seen.length;
  return { round: round + 1, mode, writers: WRITERS, events: truth.length, rolledBack: rolledBack.length, ms, duplicates, effectDuplicates, naiveMissed };
}

/** The subscriber of one round: it records each subscription's deliveries separately, and fails on purpose per mode. */
function startConsumer(d: Ledgered, mode: Mode) {
  const runs: number[][] = [];
  const delivered: StoredEvent[] = [];
  let batches = 0;
  const subscribe = (failOnBatch: number | null): SubscriptionHandle => {
    const run: number[] = [];
    runs.push(run);
    return d.subscribe({
      name: 'concurrent',
      batchSize: BATCH,
      pollIntervalMs: 20,
      retryDelayMs: 20,
      maxAttempts: 1,
      transactional: mode === 'transactional, connection lost',
      handler: async (events, { transaction }) => {
        delivered.push(...events);
        run.push(...events.map((event) => event.position));
        batches += 1;
        if (transaction !== null) await record(transaction, events);
        if (batches !== failOnBatch) return;
        // The transaction's connection dies after the handler wrote: nothing of the batch may stay.
        if (transaction !== null) await query(transaction, sql`SELECT pg_terminate_backend(pg_backend_pid())`);
        throw new Error('the process died after handling the batch, before its checkpoint');
      },
    });
  };
  let current = subscribe(mode === 'steady' ? null : 4);
  // At least once: a crashed consumer restarts under the same name and resumes from the checkpoint.
  void current.done.catch(() => (current = subscribe(null)));
  return { runs, delivered, current: () => current };
}

async function record(transaction: DrizzleDb, events: readonly StoredEvent[]): Promise<void> {
  const values = events.map((event) => sql`(${event.position}::bigint)`);
  await query(transaction, sql`INSERT INTO handled (position) VALUES ${sql.join(values, sql`, `)}`);
}

/** One writer's transactions; returns the delegations whose transactions rolled back. */
async function writer(d: Ledgered, next: () => number, prefix: string): Promise<string[]> {
  const transactions = heldTransactions(writers);
  const rolledBack: string[] = [];
  for (let i = 0; i < ITERATIONS; i += 1) {
    const id = `${prefix}-${i}`;
    const kind = next();
    const pause = (max: number) => sql`SELECT pg_sleep(${Math.round(next() * max) / 1000})`;
    if (kind < 0.4) {
      await d.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: id });
      await d.ledger.setStatus(id, 'dispatched');
      continue;
    }
    const tx = await transactions.begin();
    await insertDelegation(tx.db, id);
    if (kind < 0.65) {
      // Takes its positions early and holds them: a later transaction commits higher ones first.
      await insertEvent(tx.db, id, 1);
      await query(tx.db, pause(40));
      if (next() < 0.5) await insertEvent(tx.db, id, 2);
      await tx.commit();
    } else if (kind < 0.85) {
      // Holds its transaction id, then takes a position late.
      await query(tx.db, pause(30));
      await insertEvent(tx.db, id, 1);
      await tx.commit();
    } else {
      await insertEvent(tx.db, id, 1);
      await query(tx.db, pause(20));
      await tx.rollback();
      rolledBack.push(id);
    }
  }
  return rolledBack;
}

function isIncreasing(values: readonly number[]): boolean {
  return values.every((value, i) => i === 0 || value > (values[i - 1] as number));
}
