import { sql } from 'drizzle-orm';
import { query, type DrizzleDb } from './db.js';

/**
 * How far the log is final: the highest position P such that no transaction can
 * still commit an event at a position <= P. A reader that never reads past P
 * never skips an event, and delivers in plain position order.
 *
 * Positions come from an identity sequence, taken before commit: a reader that has
 * seen 12 committed may later meet 11 committing. Reading `position > checkpoint`
 * alone skips 11; so does reading only rows whose transaction id is below the
 * snapshot's xmin in position order, because transaction ids and positions are not
 * taken in the same order (a transaction may get its id, then its position after
 * a younger one took a lower position). Both are shown to skip in
 * test/subscriptions/out-of-order-commit.postgres.test.ts.
 *
 * The fence, in two steps:
 * 1. One statement reads the sequence's last value H, then takes a fresh
 *    transaction id N (pg_current_xact_id() after H is read). Every position <= H
 *    was taken before N existed. Every transaction that takes a position already
 *    holds its transaction id at that moment (the BEFORE INSERT statement trigger
 *    of migration 0002 calls pg_current_xact_id() before any row is built), and
 *    transaction ids are handed out in increasing order, so every transaction that
 *    holds a position <= H has an id < N.
 * 2. Once a later snapshot's xmin is >= N, no transaction with an id < N is still
 *    running: each one that took a position <= H has committed (its events are
 *    visible to every later snapshot) or rolled back (they never will be). The log
 *    is final through H.
 * Requirements: the sequence has CACHE 1 (the default; a cache hands out numbers
 * below the last value later), and readers run on the primary.
 *
 * A transaction that stays open anywhere in the cluster holding an id (idle in
 * transaction) holds step 2 back: delivery waits for it rather than guess.
 */
export class SettledPositions {
  private settled = 0;
  private fence: { readonly head: number; readonly xid: string } | null = null;

  constructor(private readonly db: DrizzleDb) {}

  /** The position the log is final through, and whether newer positions are waiting on a fence. */
  async bound(): Promise<{ settled: number; unsettled: boolean }> {
    if (this.fence !== null && (await this.passed(this.fence.xid))) this.settle();
    if (this.fence === null) {
      this.fence = await this.takeFence();
      if (this.fence !== null && (await this.passed(this.fence.xid))) this.settle();
    }
    return { settled: this.settled, unsettled: this.fence !== null };
  }

  /** Step 1, or null when the sequence has not moved past what is already settled (no id spent). */
  private async takeFence(): Promise<{ head: number; xid: string } | null> {
    // MATERIALIZED: the head is read before the projection takes the id. The id's commit
    // record need not wait for a disk flush: nothing depends on it surviving a crash.
    const [row] = await query(
      this.db,
      sql`WITH head AS MATERIALIZED (
          SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('delegation_events', 'position')::regclass), 0) AS h
        )
        SELECT h AS head,
          CASE WHEN h > ${this.settled} THEN pg_current_xact_id()::text END AS xid,
          CASE WHEN h > ${this.settled} THEN set_config('synchronous_commit', 'off', true) END AS async
        FROM head`,
    );
    if (row === undefined || row.xid === null || row.xid === undefined) return null;
    return { head: Number(row.head), xid: String(row.xid) };
  }

  /** Step 2: no transaction older than `xid` is still running. */
  private async passed(xid: string): Promise<boolean> {
    const [row] = await query(this.db, sql`SELECT pg_snapshot_xmin(pg_current_snapshot()) >= ${xid}::xid8 AS passed`);
    return row?.passed === true;
  }

  private settle(): void {
    if (this.fence !== null) this.settled = Math.max(this.settled, this.fence.head);
    this.fence = null;
  }
}
