import { sql } from 'drizzle-orm';
import {
  ConcurrencyError,
  type Delegation,
  type DelegationEvent,
  type GraceRules,
  type Status,
  type StoredEvent,
  type SweepPolicy,
} from '../../domain/index.js';
import type {
  AppendRequest,
  ClaimRequest,
  ClaimResult,
  DelegationStore,
  DueDelegation,
  HeartbeatWrite,
  InsertResult,
  ListQuery,
  PruneBatch,
  PruneCursor,
  PruneSurvey,
  RetentionHold,
  StreamSnapshot,
  SweepStart,
  SweepTally,
} from '../../app/ports.js';
import { claimStatement } from './claim-sql.js';
import { pruneBatchStatement, pruneSurveyStatement } from './prune-sql.js';
import { query, statementRunner, type DrizzleDb, type Row, type StatementRunner } from './db.js';
import { DELEGATION_COLUMNS, dateOrNull, delegationColumns, EVENT_COLUMNS, toDelegation, toStoredEvent } from './rows.js';
import { ledgerTables, type LedgerTables } from './schema/tables.js';
import { parsed, StoreReads } from './store-reads.js';
import { arrayLiteral, jsonb, jsonbOrNull, ts, tsOrNull } from './sql-values.js';
import { dueOf, findDueStatement, sweepStatement } from './sweep-sql.js';
import { beginSweepStatement, sweepHistoryStatement } from './sweep-state-sql.js';

export type DrizzleStoreOptions = {
  /** The tables' schema (default: public); see ledgerTables. */
  readonly tables?: LedgerTables | undefined;
  /** Named prepared statements (default true); off for a pooler in transaction mode (PgBouncer before 1.21). */
  readonly preparedStatements?: boolean | undefined;
  /** Rows one sweep statement moves at most; only a very large backlog needs a second statement. */
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

  constructor(
    readonly db: DrizzleDb,
    private readonly options: DrizzleStoreOptions = {},
  ) {
    this.sweepBatchSize = options.sweepBatchSize ?? 25_000;
    this.tables = options.tables ?? ledgerTables();
    const prepared = options.preparedStatements ?? true;
    this.run = statementRunner(db, prepared);
    this.reads = new StoreReads(db, this.tables, prepared);
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

  async recordHeartbeats(beats: readonly HeartbeatWrite[], now: Date): Promise<Delegation[]> {
    if (beats.length === 0) return [];
    const ids = arrayLiteral(beats.map((beat) => beat.delegationId));
    const attempts = arrayLiteral(beats.map((beat) => beat.attempt ?? null));
    const progress = arrayLiteral(beats.map((beat) => beat.progress));
    // Hand-written: a batch of beats as one set-based UPDATE over unnest (no builder form for UPDATE ... FROM unnest).
    const rows = await this.run(
      sql`UPDATE ${this.tables.delegations} AS d SET
          last_heartbeat = GREATEST(d.last_heartbeat, ${ts(now)}),
          progress = CASE WHEN b.progress IS NULL THEN d.progress ELSE GREATEST(d.progress, b.progress) END
        FROM (SELECT DISTINCT ON (id) * FROM unnest(${ids}::text[], ${attempts}::int[], ${progress}::float8[]) AS r(id, attempt, progress)) AS b
        WHERE d.delegation_id = b.id AND d.status = 'in_progress' AND (b.attempt IS NULL OR b.attempt = d.attempt)
        RETURNING ${delegationColumns('d')}`,
    );
    return rows.map(toDelegation);
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

  async sweep(now: Date, policy: SweepPolicy, actor: string): Promise<SweepTally> {
    const events: StoredEvent[] = [];
    const tally = { deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0, scanned: 0 };
    for (;;) {
      const [row] = await query(this.db, sweepStatement(this.tables, now, policy, actor, this.sweepBatchSize));
      const batch = (parsed(row?.events) as Row[]).map(toStoredEvent);
      const found = Number(row?.scanned ?? 0);
      // Counted by verdict, not by event type: the deadline and running out of attempts both write `failed`.
      const moved = parsed(row?.tally) as Partial<Record<DueDelegation['verdict']['kind'], number>>;
      tally.deadlineFailures += Number(moved.deadline_exceeded ?? 0);
      tally.stuckMarked += Number(moved.stale_heartbeat ?? 0);
      tally.requeued += Number(moved.requeue_stuck ?? 0);
      tally.retriesExhausted += Number(moved.retries_exhausted ?? 0);
      tally.scanned += found;
      events.push(...batch);
      // A full batch means a backlog larger than one statement should lock; anything less was everything.
      if (found < this.sweepBatchSize || batch.length === 0) break;
    }
    if (events.length > 0) this.options.onEventsAppended?.();
    return { ...tally, events };
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
