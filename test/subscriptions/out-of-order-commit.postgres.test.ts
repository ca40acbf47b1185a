import { createTestDatabase } from '../support/postgres.js';
import { RESET_WITH_CHECKPOINTS } from '../support/tables.js';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectPostgres, type Connection } from '../../src/adapters/drizzle/connections.js';
import { query } from '../../src/adapters/drizzle/db.js';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import { heldTransactions, naiveReader } from './postgres-support.js';
import { eventually, insertDelegation, insertEvent, ledgerOn, shared, sleep, type Ledgered } from '../support/subscriptions.js';

// Positions are taken before commit. These cases hold transactions open on
// connections of their own to make a lower position commit after a higher one.
let connection: Connection;
let writers: pg.Pool;
let drop: () => Promise<void>;
const ledgers: Ledgered[] = [];
let transactions: ReturnType<typeof heldTransactions>;

beforeAll(async () => {
  const database = await createTestDatabase('order');
  drop = database.drop;
  connection = await connectPostgres({ connectionString: database.url, poolSize: 4 });
  writers = new pg.Pool({ connectionString: database.url, max: 10 });
  writers.on('error', () => undefined);
  transactions = heldTransactions(writers);
});
afterAll(async () => {
  await Promise.all(ledgers.map((ledger) => ledger.close()));
  await writers?.end();
  await connection?.close();
  await drop?.();
});
beforeEach(async () => {
  // A case that failed may have left a transaction open; it would block the next one.
  await transactions.rollbackAll();
  await Promise.all(ledgers.splice(0).map((ledger) => ledger.close()));
  await query(connection.db, sql.raw(RESET_WITH_CHECKPOINTS));
});

function ledger(): Ledgered {
  const opened = ledgerOn(drizzleModule(shared(connection)));
  ledgers.push(opened);
  return opened;
}

function subscribeAll(d: Ledgered, name: string, seen: number[]) {
  return d.subscribe({ name, pollIntervalMs: 10, handler: (events) => void seen.push(...events.map((event) => event.position)) });
}

describe('a lower position committing after a higher one', () => {
  it('is skipped by a `position > checkpoint` reader, and delivered in order by a subscription', async () => {
    const d = ledger();
    const seen: number[] = [];
    subscribeAll(d, 'ordered', seen);
    const naive = naiveReader(connection.db);

    const slow = await transactions.begin();
    await insertDelegation(slow.db, 'slow');
    const lower = await insertEvent(slow.db, 'slow', 1);
    const fast = await d.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: 'fast' });
    const [higher] = (await d.ledger.history(fast.delegationId)).map((event) => event.position);
    expect(higher).toBeGreaterThan(lower);

    await naive.poll();
    await sleep(100);
    expect(seen).toEqual([]); // the subscription waits: a transaction that may hold a lower position is open
    await slow.commit();
    await naive.poll();
    expect(naive.seen).toEqual([higher]); // `lower` committed behind the naive reader's checkpoint: lost for good

    await eventually('both events are delivered', () => seen.length === 2);
    expect(seen).toEqual([lower, higher]);
  });

  it('is skipped by a reader of rows below the snapshot xmin in position order, and delivered by a subscription', async () => {
    // The variant the issue sketched: a transaction_id column read below xmin, checkpointed by position.
    await query(connection.db, sql`ALTER TABLE delegation_events ADD COLUMN IF NOT EXISTS transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id()`);
    const d = ledger();
    const seen: number[] = [];
    subscribeAll(d, 'ordered-xmin', seen);
    const belowXmin = naiveReader(connection.db, sql`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`);

    const older = await transactions.begin();
    await insertDelegation(older.db, 'older'); // takes its transaction id first...
    const younger = await transactions.begin();
    await insertDelegation(younger.db, 'younger');
    const lower = await insertEvent(younger.db, 'younger', 1); // ...a younger transaction takes the lower position
    const higher = await insertEvent(older.db, 'older', 1);
    await older.commit();

    // While `younger` is open the xmin is its id, above `older`'s: the reader takes `higher` (once
    // any older transaction elsewhere in the cluster has ended: xmin is cluster-wide).
    await eventually(
      'the xmin reader reads the older transaction',
      async () => {
        await belowXmin.poll();
        return belowXmin.seen.length > 0;
      },
      30_000,
    );
    await younger.commit();
    await belowXmin.poll();
    expect(belowXmin.seen).toEqual([higher]);
    expect(lower).toBeLessThan(higher);

    await eventually('both events are delivered', () => seen.length === 2);
    expect(seen).toEqual([lower, higher]);
  });
});
