import { sql, type SQL } from 'drizzle-orm';
import {
  ConcurrencyError,
  type DatabaseError,
  type Delegation,
  type DelegationEvent,
  type GraceRules,
  type Status,
  type StoredEvent,
  type SweepPolicy,
} from '../../domain/index.js';
import type {
  AppendRequest,
  Clock,
  ClaimRequest,
  ClaimResult,
  DelegationStore,
  DueDelegation,
  HeartbeatWrite,
  InsertResult,
  ListQuery,
  TimedAccess,
  PruneBatch,
  PruneCursor,
  PruneSurvey,
  RetentionHold,
  StreamSnapshot,
  SweepScope,
  SweepStart,
  SweepTally,
} from '../../app/ports.js';
import { isStatementRejection, SweepPageRejectedError } from '../../app/sweep-pages.js';
import { claimStatement } from './claim-sql.js';
import { DatabaseClock } from './database-clock.js';
import { pruneBatchStatement, pruneSurveyStatement } from './prune-sql.js';
import { query, statementRunner, type DrizzleDb, type Row, type StatementRunner } from './db.js';
import { DELEGATION_COLUMNS, dateOrNull, EVENT_COLUMNS, toDelegation, toStoredEvent } from './rows.js';
import { ledgerTables, type LedgerTables } from './schema/tables.js';
import type { PreparedSwitch } from './pooler.js';
import { parsed, StoreReads } from './store-reads.js';
import { jsonb, jsonbOrNull, ts, tsOrNull } from './sql-values.js';
import { DATABASE_NOW, heartbeatStatement, loadWithTimeStatement } from './timed-sql.js';
import { dueOf, findDueStatement, pageIdsStatement, sweepStatement } from './sweep-sql.js';
import { beginSweepStatement, sweepHistoryStatement } from './sweep-state-sql.js';

export type DrizzleStoreOptions = {
  /** The tables' schema (default: public); see ledgerTables. */
  readonly tables?: LedgerTables | undefined;
  /**
   * Named prepared statements (default true); off for a pooler in transaction mode (PgBouncer
   * before 1.21), or a function that decides on first use (what a connection's pooler probe gives).
   */
  readonly preparedStatements?: PreparedSwitch | undefined;
  /** Rows one sweep statement (a page) moves at most; the sweeper walks a larger backlog page by page. */
  readonly sweepBatchSize?: number | undefined;
  /** Called by close(): ends the connection the store owns (nothing for a host's pool). */
  readonly onClose?: () => Promise<void>;
  /** Called after a write that appended events has committed (subscriptions' wake-up). */
  readonly onEventsAppended?: () => void;
};

/** The store on PostgreSQL or PGlite through one Drizzle code path. Every write is one statement. */
export class DrizzleDelegationStore implements DelegationStore {
  private readonly sweepBatchSize: number;
  private readonly tables: LedgerTables;
  private readonly run: StatementRunner;
  private readonly reads: StoreReads;
  private readonly timed: TimedAccess;

  constructor(
    readonly db: DrizzleDb,
    private readonly options: DrizzleStoreOptions = {},
  ) {
    this.sweepBatchSize = options.sweepBatchSize ?? 25_000;
    this.tables = options.tables ?? ledgerTables();
    const prepared = options.preparedStatements ?? true;
    this.run = statementRunner(db, prepared);
    this.reads = new StoreReads(db, this.tables, prepared);
    this.timed = {
      loadWithTime: async (delegationId) => {
        const [row] = await this.run(loadWithTimeStatement(this.tables, delegationId));
        const delegation = row?.delegationId === null || row?.delegationId === undefined ? null : toDelegation(row);
        return { delegation, now: dateOrNull(row?.now) as Date };
      },
      recordHeartbeatsNow: (beats) => this.heartbeats(beats, DATABASE_NOW),
    };
  }

  /** The database's own now() in the statements, when `clock` reads this database: one round trip fewer. */
  timedBy(clock: Clock): TimedAccess | undefined {
    return clock instanceof DatabaseClock && clock.reads(this.db) ? this.timed : undefined;
  }

  async insert(delegation: Delegation, event: DelegationEvent): Promise<InsertResult> {
    const d = delegation;
    const { delegations, delegationEvents } = this.tables;
    // Hand-written: the row and its first event in one statement (a CTE the query builder cannot chain).
    const rows = await this.run(
      sql`WITH inserted AS (
        INSERT INTO ${delegations} (delegation_id, caller_id, callee_id, task_preview, status, attempt, version,
          last_heartbeat, active_since, deadline, heartbeat_timeout_ms, progress, result_preview, error_detail,
          idempotency_key, retry, available_at, created_at, updated_at)
        VALUES (${d.delegationId}, ${d.callerId}, ${d.calleeId}, ${d.taskPreview}, ${d.status}, ${d.attempt}, ${d.version},
          ${tsOrNull(d.lastHeartbeat)}, ${tsOrNull(d.activeSince)}, ${ts(d.deadline)}, ${d.heartbeatTimeoutMs}, ${d.progress},
          ${d.resultPreview}, ${d.errorDetail}, ${d.idempotencyKey}, ${jsonbOrNull(d.retry)}, ${tsOrNull(d.availableAt)},
          ${ts(d.createdAt)}, ${ts(d.updatedAt)})
        ON CONFLICT DO NOTHING
        RETURNING delegation_id
      )
      INSERT INTO ${delegationEvents} (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
      SELECT delegation_id, 1, ${event.attempt}, ${event.type}, ${event.fromStatus}, ${event.toStatus}, ${event.actor},
        ${jsonb(event.data)}, ${ts(event.occurredAt)}
      FROM inserted
      RETURNING ${EVENT_COLUMNS}`,
    );
    const [stored] = rows;
    if (stored === undefined) return this.conflictOf(delegation);
    this.options.onEventsAppended?.();
    return { inserted: true, delegation, event: toStoredEvent(stored) };
  }

  async append(request: AppendRequest): Promise<{ delegation: Delegation; events: StoredEvent[] }> {
    const { next, expectedVersion } = request;
    const values = request.events.map(
      (event, index) =>
        sql`(${event.delegationId}::text, ${expectedVersion + index + 1}::int, ${event.attempt}::int, ${event.type}::text,
          ${event.fromStatus}::text, ${event.toStatus}::text, ${event.actor}::text, ${jsonb(event.data)}, ${ts(event.occurredAt)})`,
    );
    const { delegations, delegationEvents } = this.tables;
    // Hand-written: the guarded move and its events in one statement, the hottest write of all.
    // retry is not written: it is fixed at create, no event changes it.
    const [row] = await this.run(
      sql`WITH moved AS (
        UPDATE ${delegations} SET status = ${next.status}, attempt = ${next.attempt}, version = ${next.version},
          active_since = ${tsOrNull(next.activeSince)}, result_preview = ${next.resultPreview},
          error_detail = ${next.errorDetail}, updated_at = ${ts(next.updatedAt)}, available_at = ${tsOrNull(next.availableAt)},
          last_heartbeat = CASE WHEN attempt = ${next.attempt} THEN GREATEST(last_heartbeat, ${tsOrNull(next.lastHeartbeat)})
            ELSE ${tsOrNull(next.lastHeartbeat)} END,
          progress = CASE WHEN attempt = ${next.attempt} THEN GREATEST(progress, ${next.progress}::float8)
            ELSE ${next.progress}::float8 END
        WHERE delegation_id = ${request.delegationId} AND version = ${expectedVersion}
        RETURNING ${DELEGATION_COLUMNS}
      ), appended AS (
        INSERT INTO ${delegationEvents} (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
        SELECT e.* FROM moved, (VALUES ${sql.join(values, sql`, `)})
          AS e(delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
        RETURNING ${EVENT_COLUMNS}
      )
      SELECT (SELECT row_to_json(moved) FROM moved) AS delegation,
        (SELECT coalesce(json_agg(appended ORDER BY position), '[]'::json) FROM appended) AS events`,
    );
    if (row === undefined || row.delegation === null || row.delegation === undefined) {
      throw new ConcurrencyError(request.delegationId, expectedVersion);
    }
    this.options.onEventsAppended?.();
    return { delegation: toDelegation(parsed(row.delegation) as Row), events: (parsed(row.events) as Row[]).map(toStoredEvent) };
  }

  recordHeartbeats(beats: readonly HeartbeatWrite[], now: Date): Promise<Delegation[]> {
    return this.heartbeats(beats, ts(now));
  }

  private async heartbeats(beats: readonly HeartbeatWrite[], now: SQL): Promise<Delegation[]> {
    if (beats.length === 0) return [];
    return (await this.run(heartbeatStatement(this.tables, beats, now))).map(toDelegation);
  }

  load(delegationId: string): Promise<Delegation | null> {
    return this.reads.load(delegationId);
  }

  history(delegationId: string): Promise<StoredEvent[]> {
    return this.reads.history(delegationId);
  }

  list(q: ListQuery): Promise<Delegation[]> {
    return this.reads.list(q);
  }

  countByStatus(): Promise<Record<Status, number>> {
    return this.reads.countByStatus();
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const [row] = await this.run(claimStatement(this.tables, request));
    const events = (parsed(row?.events) as Row[]).map(toStoredEvent);
    if (events.length > 0) this.options.onEventsAppended?.();
    return { delegations: (parsed(row?.delegations) as Row[]).map(toDelegation), events };
  }

  async beginSweep(now: Date, rules: GraceRules): Promise<SweepStart> {
    if (rules.bootGraceMs === 0) {
      const [row] = await query(this.db, sweepHistoryStatement(this.tables));
      return { staleRuleActive: true, graceFrom: dateOrNull(row?.graceFrom) };
    }
    const [row] = await query(this.db, beginSweepStatement(this.tables, now, rules));
    return { staleRuleActive: row?.staleRuleActive === true, graceFrom: dateOrNull(row?.graceFrom) };
  }

  async findDue(now: Date, policy: SweepPolicy): Promise<DueDelegation[]> {
    const rows = await query(this.db, findDueStatement(this.tables, now, policy));
    return rows.map(dueOf);
  }

  async sweep(now: Date, policy: SweepPolicy, actor: string, scope: SweepScope = {}): Promise<SweepTally> {
    const limit = scope.only === undefined ? this.sweepBatchSize : Math.min(this.sweepBatchSize, scope.only.length);
    let row: Row | undefined;
    try {
      [row] = await query(this.db, sweepStatement(this.tables, now, policy, actor, limit, scope));
    } catch (error) {
      if (!isStatementRejection(error)) throw error;
      throw new SweepPageRejectedError(await this.pageIds(now, policy, scope, limit, error), error);
    }
    const events = (parsed(row?.events) as Row[]).map(toStoredEvent);
    const scanned = Number(row?.scanned ?? 0);
    // Counted by verdict, not by event type: the deadline and running out of attempts both write `failed`.
    const moved = parsed(row?.tally) as Partial<Record<DueDelegation['verdict']['kind'], number>>;
    if (events.length > 0) this.options.onEventsAppended?.();
    return {
      deadlineFailures: Number(moved.deadline_exceeded ?? 0),
      stuckMarked: Number(moved.stale_heartbeat ?? 0),
      requeued: Number(moved.requeue_stuck ?? 0),
      retriesExhausted: Number(moved.retries_exhausted ?? 0),
      scanned,
      events,
      // A full page means a backlog larger than one statement should lock; anything less was everything.
      more: limit > 0 && scanned >= limit,
    };
  }

  /** The ids a refused page held; when even reading them is refused, the page's own error stands. */
  private async pageIds(now: Date, policy: SweepPolicy, scope: SweepScope, limit: number, rejection: DatabaseError): Promise<string[]> {
    try {
      return (await query(this.db, pageIdsStatement(this.tables, now, policy, scope, limit))).map((r) => String(r.delegationId));
    } catch {
      throw rejection;
    }
  }

  scan(afterId: string | null, limit: number): Promise<StreamSnapshot[]> {
    return this.reads.scan(afterId, limit);
  }

  async pruneBatch(before: Date, limit: number, after: PruneCursor | null): Promise<PruneBatch> {
    const [row] = await query(this.db, pruneBatchStatement(this.tables, before, limit, after));
    const lastAt = dateOrNull(row?.lastUpdatedAt);
    const next = lastAt === null ? null : { updatedAt: lastAt, delegationId: String(row?.lastId) };
    return { delegations: Number(row?.delegations ?? 0), events: Number(row?.events ?? 0), more: Number(row?.candidates ?? 0) >= limit, next };
  }

  async pruneSurvey(before: Date): Promise<PruneSurvey> {
    const [row] = await query(this.db, pruneSurveyStatement(this.tables, before));
    const held = (parsed(row?.held) as { subscription: string; position: number | string }[]).map(
      (hold): RetentionHold => ({ subscription: hold.subscription, position: Number(hold.position) }),
    );
    return { delegations: Number(row?.delegations ?? 0), events: Number(row?.events ?? 0), heldBackBy: held };
  }

  async close(): Promise<void> {
    await this.options.onClose?.();
  }

  private async conflictOf(delegation: Delegation): Promise<InsertResult> {
    const byId = await this.load(delegation.delegationId);
    if (byId !== null) return { inserted: false, conflict: 'delegation_id', existing: byId };
    const byKey = delegation.idempotencyKey === null ? null : await this.reads.withIdempotencyKey(delegation.callerId, delegation.idempotencyKey);
    if (byKey === null) throw new ConcurrencyError(delegation.delegationId, 0);
    return { inserted: false, conflict: 'idempotency_key', existing: byKey };
  }
}
