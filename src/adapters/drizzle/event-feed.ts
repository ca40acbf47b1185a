import type { ChangeSignal } from '../../app/change-signal.js';
import { sql } from 'drizzle-orm';
import type { BatchHandler, BatchOutcome, EventFeed, FeedCursor, FeedProgress, FeedRequest, Logger } from '../../app/ports.js';
import type { StoredEvent } from '../../domain/index.js';
import { AppendListener } from './append-listener.js';
import type { DrizzleDb } from './db.js';
import { lockCheckpoint, readCheckpoint, readSettledEvents, saveCheckpoint, startPosition } from './feed-sql.js';
import type { DatabaseNotifications } from './notifications.js';
import { ledgerTables, type LedgerTables } from './schema/tables.js';
import { SettledPositions } from './settled-positions.js';

// Longer than any one-statement write; a transaction holding the log's lock past it is a host's, held open.
const TAIL_START_LIMIT_MS = 2_000;

/**
 * Subscriptions on PostgreSQL or PGlite. Readers never pass the settled bound
 * (see SettledPositions), so events arrive in position order and none is skipped.
 * Wake-ups: the in-process signal of this process's writes, plus NOTIFY from other
 * processes on PostgreSQL; polling covers the rest.
 */
export class DrizzleEventFeed implements EventFeed {
  readonly supportsTransactions = true;
  private readonly listener: AppendListener | null;

  constructor(
    private readonly db: DrizzleDb,
    private readonly appended: ChangeSignal,
    notifications: DatabaseNotifications | undefined,
    logger: Logger,
    private readonly tables: LedgerTables = ledgerTables(),
  ) {
    this.listener = notifications === undefined ? null : new AppendListener(notifications, appended, logger);
  }

  open(request: FeedRequest): FeedCursor {
    this.listener?.acquire();
    return new DrizzleCursor(this.db, this.tables, request, () => this.listener?.release() ?? Promise.resolve());
  }

  mark(): number {
    return this.appended.mark();
  }

  waitForAppend(since: number, timeoutMs: number, abort: AbortSignal): Promise<void> {
    return this.appended.wait(since, timeoutMs, abort);
  }

  async progress(): Promise<FeedProgress> {
    const { delegationEvents: events, delegationSubscriptions: subscriptions } = this.tables;
    // max(position) is one step down the primary key, whatever the log's size.
    const [head] = await this.db.select({ head: sql<string | null>`max(${events.position})` }).from(events);
    const rows = await this.db.select().from(subscriptions).orderBy(subscriptions.name);
    return { head: Number(head?.head ?? 0), subscriptions: rows.map((row) => ({ name: row.name, position: row.position, updatedAt: row.updatedAt })) };
  }
}

class DrizzleCursor implements FeedCursor {
  private readonly positions: SettledPositions;
  /** The checkpoint as last read or written; null until the first call. */
  private after: number | null = null;

  constructor(
    private readonly db: DrizzleDb,
    private readonly tables: LedgerTables,
    private readonly request: FeedRequest,
    private readonly onClose: () => Promise<void>,
  ) {
    this.positions = new SettledPositions(db, tables);
  }

  async next(limit: number, handle: BatchHandler): Promise<BatchOutcome> {
    const { settled, unsettled } = await this.positions.bound();
    if (this.request.transactional) return this.nextInTransaction(limit, handle, settled, unsettled);
    const after = await this.checkpoint();
    if (settled <= after) return { delivered: 0, checkpoint: after, more: false, unsettled };
    const events = await readSettledEvents(this.db, this.tables, after, settled, limit, this.request.types);
    if (events.length > 0) await handle(events, null);
    const target = checkpointAfter(events, limit, settled);
    this.after = this.request.durable ? await saveCheckpoint(this.db, this.tables, this.request.name, target) : target;
    return { delivered: events.length, checkpoint: this.after, more: events.length === limit, unsettled };
  }

  async close(): Promise<void> {
    await this.onClose();
  }

  /** The batch, the handler's writes and the checkpoint commit together, or not at all. */
  private nextInTransaction(limit: number, handle: BatchHandler, settled: number, unsettled: boolean): Promise<BatchOutcome> {
    return this.db.transaction(async (tx) => {
      // The row lock also makes a second consumer of the same name wait for this batch.
      const after = await lockCheckpoint(tx, this.tables, this.request.name, this.request.startAfter);
      if (settled <= after) return { delivered: 0, checkpoint: after, more: false, unsettled };
      const events = await readSettledEvents(tx, this.tables, after, settled, limit, this.request.types);
      if (events.length > 0) await handle(events, tx);
      const checkpoint = await saveCheckpoint(tx, this.tables, this.request.name, checkpointAfter(events, limit, settled));
      return { delivered: events.length, checkpoint, more: events.length === limit, unsettled };
    });
  }

  private async checkpoint(): Promise<number> {
    if (this.after !== null) return this.after;
    this.after = this.request.durable
      ? await readCheckpoint(this.db, this.tables, this.request.name, this.request.startAfter)
      : await this.tailStart(this.request.startAfter);
    return this.after;
  }

  /**
   * A tail from the end starts where the log is final, so the events of transactions in flight
   * now are read once they commit (what waitFor relies on); after a writer that holds on past
   * the limit, at the last committed position, as a durable subscription starts.
   */
  private async tailStart(startAfter: number | 'end'): Promise<number> {
    if (startAfter !== 'end') return startAfter;
    return (await this.positions.knownBound(TAIL_START_LIMIT_MS)) ?? startPosition(this.db, this.tables, 'end');
  }
}

/** A full batch ends at its last event; a short one read everything up to the settled bound. */
function checkpointAfter(events: readonly StoredEvent[], limit: number, settled: number): number {
  return events.length === limit ? (events.at(-1) as StoredEvent).position : settled;
}
