import { sql } from 'drizzle-orm';
import { query, type DrizzleDb } from './db.js';
import { committedThrough, sequenceHead } from './feed-sql.js';
import { eventsRelation, ledgerTables, type LedgerTables } from './schema/tables.js';

// The transactions that may be writing the log: a write lock on delegation_events, in this database.
const writers = (tables: LedgerTables) => sql`FROM pg_locks l WHERE l.locktype = 'relation' AND l.mode = 'RowExclusiveLock'
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.relation = ${eventsRelation(tables)}::regclass`;

// Changes at every checkpoint, and so across every crash: recovery ends with one before it admits a writer.
const SERVER_LIFE = sql`(SELECT checkpoint_lsn::text FROM pg_control_checkpoint())`;

type Fence = { readonly head: number; readonly holders: string; readonly life: string };

// Writers hold the lock for one statement: a tail's start waits milliseconds, polled ever less often.
const MAX_START_PAUSE_MS = 50;

/**
 * How far the log is final: a committed position P such that no transaction can
 * still commit an event at a position <= P. A reader that never reads past P
 * never skips an event, and delivers in plain position order.
 *
 * Positions come from an identity sequence, taken before commit: a reader that has
 * seen 12 committed may later meet 11 committing. Reading `position > checkpoint`
 * skips 11. So does reading, in position order, only the rows whose transaction id
 * is below the snapshot's xmin: a transaction can hold an older id and take a
 * higher position than a younger one that is still open. Both readers are shown to
 * skip in test/subscriptions/out-of-order-commit.postgres.test.ts.
 *
 * The fence, in two steps:
 * 1. One statement reads the sequence's last value H, then the set S of
 *    transactions holding a RowExclusiveLock on delegation_events (pg_locks).
 *    Every position <= H was taken before S was read. A transaction takes that
 *    lock before its INSERT takes a position and keeps it until it ends, so each
 *    transaction holding a position <= H had either ended or was in S.
 * 2. Once no member of S holds the lock, each of them has ended: every event <= H
 *    is visible to any new snapshot, or rolled back. The bound becomes the highest
 *    committed position C <= H, read then, never H itself.
 *
 * Why C and not H: H counts positions whose nextval was never flushed (a rolled-back
 * or unfinished writer's). After a crash the sequence resumes below them and hands
 * them out again, under a bound or checkpoint already past them: those events would
 * be skipped for good. C's commit flushed the WAL holding its nextval, so nothing at
 * or below C is handed out again; positions in (C, H] are read later, under a new fence.
 * Why the server life: after a crash, S no longer covers the positions <= H (they are
 * being handed out again, to writers not in S), and virtual transaction ids restart. A
 * fence read before the last checkpoint is dropped and taken again, never passed.
 *
 * Only this database's writers of the log can hold delivery back, unlike a fence
 * on the snapshot's xmin, which waits for every transaction in the cluster.
 * Requirements: the sequence has CACHE 1 (the default; a cache hands out numbers
 * below the last value later), writers commit with synchronous_commit on (an
 * asynchronous commit can be lost with its position after being read), and readers
 * run on the primary. Shown across real crashes in test/faults/crash-positions.test.ts.
 */
export class SettledPositions {
  private settled = 0;
  private fence: Fence | null = null;
  /** The bound has been established once: until then `settled` is 0, not a position the log is final through. */
  private known = false;

  constructor(
    private readonly db: DrizzleDb,
    private readonly tables: LedgerTables = ledgerTables(),
  ) {}

  /** The position the log is final through, and whether newer positions are waiting on a fence. */
  async bound(): Promise<{ settled: number; unsettled: boolean }> {
    if (this.fence !== null) await this.check(this.fence);
    if (this.fence === null) {
      this.fence = await this.takeFence();
      if (this.fence !== null) await this.check(this.fence);
    }
    return { settled: this.settled, unsettled: this.fence !== null };
  }

  /**
   * A position the log is final through, for a tail that starts at the end; null when the
   * writers in flight now did not end within `limitMs`. The last committed position would not
   * do: a transaction still in flight may hold a position below it, and a tail started past
   * that event never reads it (a waiter that read its row meanwhile would never hear of it).
   */
  async knownBound(limitMs: number): Promise<number | null> {
    let waited = 0;
    for (let pause = 1; ; pause = Math.min(pause * 2, MAX_START_PAUSE_MS)) {
      await this.bound();
      if (this.known) return this.settled;
      if (waited >= limitMs) return null;
      await new Promise((resolve) => setTimeout(resolve, pause));
      waited += pause;
    }
  }

  /** Step 1, settled at once when no writer holds the lock; null when there is nothing past the bound. */
  private async takeFence(): Promise<Fence | null> {
    // The subquery refers to the head, so it runs after the head is read.
    const [row] = await query(
      this.db,
      sql`WITH head AS MATERIALIZED (SELECT ${sequenceHead(this.tables)} AS h, ${SERVER_LIFE} AS life)
        SELECT h AS head, life, ${committedThrough(this.tables, sql`h`)} AS committed,
          (SELECT coalesce(string_agg(l.virtualtransaction, ','), '') ${writers(this.tables)} AND h > ${this.settled}) AS holders
        FROM head`,
    );
    const head = Number(row?.head ?? 0);
    if (head <= this.settled) {
      // Nothing was ever handed out past the bound: it is final as it stands (0 on an empty log).
      this.known = true;
      return null;
    }
    const holders = String(row?.holders ?? '');
    if (holders !== '') return { head, holders, life: String(row?.life) };
    this.settle(Number(row?.committed ?? 0));
    return null;
  }

  /** Step 2, in one statement, so the life compared is the life the locks and C were read in. */
  private async check(fence: Fence): Promise<void> {
    const [row] = await query(
      this.db,
      sql`SELECT ${SERVER_LIFE} = ${fence.life} AS same_life, ${committedThrough(this.tables, fence.head)} AS committed,
        NOT EXISTS (SELECT 1 ${writers(this.tables)} AND l.virtualtransaction = ANY (string_to_array(${fence.holders}, ','))) AS passed`,
    );
    if (row?.same_life !== true) this.fence = null;
    else if (row.passed === true) this.settle(Number(row.committed ?? 0));
  }

  private settle(committed: number): void {
    this.settled = Math.max(this.settled, committed);
    this.known = true;
    this.fence = null;
  }
}
