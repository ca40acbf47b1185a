import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChangeSignal } from '../../src/app/change-signal.js';
import type { FeedCursor } from '../../src/app/ports.js';
import { connectPostgres } from '../../src/adapters/drizzle/connections.js';
import { query, type DrizzleDb } from '../../src/adapters/drizzle/db.js';
import { DrizzleEventFeed } from '../../src/adapters/drizzle/event-feed.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { heldTransactions, type HeldTransaction } from '../subscriptions/postgres-support.js';
import { insertDelegation, insertEvent, RESET } from '../subscriptions/support.js';
import { type ScratchCluster, skipScratchCluster, startScratchCluster } from './support/cluster.js';
import { retried } from './support/wait.js';

// Positions whose nextval never reached the disk are handed out again after a crash. These cases
// make that happen on purpose: a checkpoint right before a writer takes its position, so the
// sequence's WAL record is the writer's own and unflushed, then an immediate stop. Nothing else may
// flush the WAL in between: no commit, no WAL writer round, no background writer (which also logs a
// snapshot of running transactions every 15 s at wal_level replica, and has it flushed), no autovacuum.
const QUIET_WAL = {
  wal_level: 'minimal',
  max_wal_senders: 0,
  wal_writer_delay: '10s',
  bgwriter_lru_maxpages: 0,
  autovacuum: 'off',
  checkpoint_timeout: '1h',
};

const skip = await skipScratchCluster();

describe.skipIf(skip)('a subscription across a PostgreSQL crash', () => {
  let cluster: ScratchCluster;
  let close: () => Promise<void>;
  let db: DrizzleDb;
  let writers: pg.Pool;
  let transactions: ReturnType<typeof heldTransactions>;

  beforeAll(async () => {
    cluster = await startScratchCluster({ settings: QUIET_WAL });
    const connection = await connectPostgres({ connectionString: cluster.url, poolSize: 2 });
    db = connection.db;
    close = connection.close;
    writers = new pg.Pool({ connectionString: cluster.url, max: 4 });
    writers.on('error', () => undefined);
    writers.on('connect', (client) => client.on('error', () => undefined));
    transactions = heldTransactions(writers);
  });
  afterAll(async () => {
    await writers?.end().catch(() => undefined);
    await close?.().catch(() => undefined);
    await cluster?.destroy();
  });
  afterEach(async () => {
    await transactions.rollbackAll().catch(() => undefined);
    await retried(() => query(db, sql.raw(RESET)));
  });

  function cursor(name: string, tail?: 'end'): { cursor: FeedCursor; seen: number[]; next(): Promise<number> } {
    const seen: number[] = [];
    const opened = new DrizzleEventFeed(db, new ChangeSignal(), undefined, silentLogger).open({
      name,
      startAfter: tail ?? 0,
      types: null,
      transactional: false,
      durable: tail === undefined,
    });
    const next = async () => (await opened.next(100, async (events) => void seen.push(...events.map((e) => e.position)))).checkpoint;
    return { cursor: opened, seen, next };
  }

  async function committed(id: string): Promise<number> {
    await insertDelegation(db, id);
    return insertEvent(db, id, 1);
  }

  /**
   * A writer that took a position and holds its transaction open, with its sequence record not yet on disk.
   * `warm` transactions first give it a virtual transaction id that no writer of the next server life
   * reuses by chance (they restart at n/1 after a crash), which would hold a stale fence back by luck.
   */
  async function uncommittedWriter(id: string, warm = 0): Promise<{ writer: HeldTransaction; position: number }> {
    const client = await writers.connect();
    for (let i = 0; i < warm; i += 1) await client.query('BEGIN; COMMIT');
    client.release();
    const writer = await transactions.begin();
    await insertDelegation(writer.db, id);
    return { writer, position: await insertEvent(writer.db, id, 1) };
  }

  async function crashAndRestart(): Promise<void> {
    await cluster.crash();
    await transactions.rollbackAll().catch(() => undefined);
    await cluster.start();
  }

  const sequenceHead = async () =>
    Number((await retried(() => query(db, sql`SELECT pg_sequence_last_value(pg_get_serial_sequence('delegation_events', 'position')::regclass) AS h`)))[0]?.h);

  it('delivers the event that takes a position again after a crash lost it (the issue 10 reproduction)', async () => {
    const sub = cursor('reissued');
    for (const id of ['a', 'b', 'c']) await committed(id);
    expect(await sub.next()).toBe(3);
    await query(db, sql`CHECKPOINT`);
    const { position } = await uncommittedWriter('lost');
    expect(position).toBe(4);
    expect(await sub.next()).toBe(3); // fenced at head 4: the writer may still commit

    await crashAndRestart();
    expect(await sequenceHead()).toBe(3); // position 4 was never on disk: it will be handed out again
    const afterRestart = await retried(() => sub.next()); // the fence's writer is gone
    expect(await committed('reissued')).toBe(4);
    await sub.next();
    expect(sub.seen).toEqual([1, 2, 3, 4]);
    expect(afterRestart).toBe(3); // a checkpoint never passes a committed position
  });

  it('does not settle on a fence taken before the crash when a reissued lower position is still in flight', async () => {
    const sub = cursor('reissued-below');
    for (const id of ['a', 'b', 'c']) await committed(id);
    expect(await sub.next()).toBe(3);
    await query(db, sql`CHECKPOINT`);
    await uncommittedWriter('lost-4', 20);
    await uncommittedWriter('lost-5', 20);
    expect(await sub.next()).toBe(3); // fenced at head 5, two writers in flight

    await crashAndRestart();
    expect(await sequenceHead()).toBe(3);
    const { writer: slow, position: lower } = await retried(() => uncommittedWriter('slow-4'));
    const higher = await committed('fast-5');
    expect([lower, higher]).toEqual([4, 5]);
    await retried(() => sub.next());
    await slow.commit();
    await sub.next();
    await sub.next();
    expect(sub.seen).toEqual([1, 2, 3, 4, 5]);
  });

  it("starts a tail from 'end' below positions a crash can hand out again", async () => {
    for (const id of ['a', 'b', 'c']) await committed(id);
    await query(db, sql`CHECKPOINT`);
    await uncommittedWriter('lost');
    const tail = cursor('tail', 'end');
    expect(await tail.next()).toBe(3); // the last committed event, not the sequence head (4)

    await crashAndRestart();
    expect(await sequenceHead()).toBe(3);
    await retried(() => tail.next());
    expect(await committed('reissued')).toBe(4);
    await tail.next();
    expect(tail.seen).toEqual([4]);
  });
});
