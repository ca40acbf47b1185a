import { sql } from 'drizzle-orm';
import { query, type DrizzleDb } from './db.js';
import { eventsRelation, ledgerTables, type LedgerTables } from './schema/tables.js';

// The transactions that may be writing the log: a write lock on delegation_events, in this database.
const writers = (tables: LedgerTables) => sql`FROM pg_locks l WHERE l.locktype = 'relation' AND l.mode = 'RowExclusiveLock'
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.relation = ${eventsRelation(tables)}::regclass`;

/**
 * How far the log is final: the highest position P such that no transaction can
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
 * 2. Once no member of S holds the lock, each of them has ended. Locks are
 *    released after a commit becomes visible, so every event <= H is now visible
 *    to any new snapshot, or rolled back for good (a rolled-back subtransaction
 *    releases its locks with its rows). The log is final through H.
 * Members of S are virtual transaction ids, never reused by a later transaction.
 * Only this database's writers of the log can hold delivery back, unlike a fence
 * on the snapshot's xmin, which waits for every transaction in the cluster.
 * Requirements: the sequence has CACHE 1 (the default; a cache hands out numbers
 * below the last value later), and readers run on the primary.
 */
export class SettledPositions {
  private settled = 0;
  private fence: { readonly head: number; readonly holders: string } | null = null;

  constructor(
    private readonly db: DrizzleDb,
    private readonly tables: LedgerTables = ledgerTables(),
  ) {}

  /** The position the log is final through, and whether newer positions are waiting on a fence. */
  async bound(): Promise<{ settled: number; unsettled: boolean }> {
    if (this.fence !== null && (await this.passed(this.fence))) this.settle();
    if (this.fence === null) {
      this.fence = await this.takeFence();
      if (this.fence !== null && (this.fence.holders === '' || (await this.passed(this.fence)))) this.settle();
    }
    return { settled: this.settled, unsettled: this.fence !== null };
  }

  /** Step 1, or null when the sequence has not moved past what is already settled. */
  private async takeFence(): Promise<{ head: number; holders: string } | null> {
    // The subquery refers to the head, so it runs after the head is read.
    const [row] = await query(
      this.db,
      sql`WITH head AS MATERIALIZED (
          SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence(${eventsRelation(this.tables)}, 'position')::regclass), 0) AS h
        )
        SELECT h AS head, (SELECT coalesce(string_agg(l.virtualtransaction, ','), '') ${writers(this.tables)} AND h > ${this.settled}) AS holders
        FROM head`,
    );
    const head = Number(row?.head ?? 0);
    return head > this.settled ? { head, holders: String(row?.holders ?? '') } : null;
  }

  /** Step 2: none of the fence's writers holds its lock any more. */
  private async passed(fence: { holders: string }): Promise<boolean> {
    const [row] = await query(
      this.db,
      sql`SELECT NOT EXISTS (SELECT 1 ${writers(this.tables)} AND l.virtualtransaction = ANY (string_to_array(${fence.holders}, ','))) AS passed`,
    );
    return row?.passed === true;
  }

  private settle(): void {
    if (this.fence !== null) this.settled = Math.max(this.settled, this.fence.head);
    this.fence = null;
  }
}
