import { sql, type SQL } from 'drizzle-orm';
import { assertNever, DEADLINE_EXCEEDED, IN_FLIGHT_STATUSES, LIVENESS_CHECKED_STATUSES, staleDetail, type SweepPolicy } from '../../domain/index.js';
import type { DueDelegation, SweepScope } from '../../app/ports.js';
import type { Row } from './db.js';
import { EVENT_COLUMNS } from './rows.js';
import { arrayLiteral } from './sql-values.js';
import { availableAfterBackoff, isoText, retriesExhaustedDetail, retryField } from './retry-sql.js';
import type { LedgerTables } from './schema/tables.js';
import { literalList } from './schema/sql-lists.js';
import { msSince, ts } from './sql-values.js';
import { recordSweepCompleted } from './sweep-state-sql.js';

type Verdict = DueDelegation['verdict']['kind'];
const verdict = (kind: Verdict): SQL => sql.raw(`'${kind}'`);

/**
 * sweepVerdict as a predicate over table alias `d`: in flight and past the deadline, or (when
 * grace is over) a liveness-checked status silent longer than its own timeout or the default,
 * or a stuck row left alone for its retry policy's requeueStuckAfterMs. The same text guards the UPDATE.
 */
export function duePredicate(now: Date, policy: SweepPolicy): SQL {
  const pastDeadline = sql`d.deadline < ${ts(now)}`;
  const inFlight = sql`d.status IN ${literalList(IN_FLIGHT_STATUSES)}`;
  if (!policy.staleRuleActive) return sql`${inFlight} AND ${pastDeadline}`;
  // Compared as milliseconds, not as now minus an interval: a timeout of years would
  // push that timestamp out of range and fail the whole sweep, not just its own row.
  const stale = sql`(d.status IN ${literalList(LIVENESS_CHECKED_STATUSES)}
    AND ${silenceMs(now)} > COALESCE(d.heartbeat_timeout_ms, ${policy.thresholdMs}::bigint))`;
  // NULL (no policy, or no requeueStuckAfterMs) compares false: such a row waits for an operator.
  const stuckTooLong = sql`(d.status = 'stuck' AND ${msSince(now, 'd.updated_at')} >= ${retryField('requeueStuckAfterMs')})`;
  return sql`${inFlight} AND (${pastDeadline} OR ${stale} OR ${stuckTooLong})`;
}

/**
 * How long row `d` has been silent at `now`, in whole milliseconds: the one expression
 * the predicate compares and the statements report. In float8 (date_part), not numeric
 * (extract): this runs on every in-flight row, and numeric arithmetic cost a third of
 * the scan. Exact here: every stamp is whole ms.
 */
function silenceMs(now: Date): SQL {
  return msSince(now, 'GREATEST(d.last_heartbeat, d.active_since)');
}

// Reported as an integer: the detail divides it into whole seconds.
const silentMs = (now: Date): SQL => sql`${silenceMs(now)}::bigint`;

/** Which rule a row the predicate found due falls under, in classifyDelegation's order: the deadline first. */
function verdictOf(now: Date): SQL {
  return sql`CASE WHEN d.deadline < ${ts(now)} THEN ${verdict('deadline_exceeded')}
    WHEN d.status = 'stuck' THEN CASE WHEN d.attempt < ${retryField('maxAttempts')} THEN ${verdict('requeue_stuck')}
      ELSE ${verdict('retries_exhausted')} END
    ELSE ${verdict('stale_heartbeat')} END`;
}

/** The scope as a predicate on `d`; nothing at all for a whole sweep, so its statement text stays the same. */
function inScope(scope: SweepScope): SQL {
  const parts: SQL[] = [];
  if (scope.only !== undefined) parts.push(sql` AND d.delegation_id = ANY(${arrayLiteral(scope.only)}::text[])`);
  if (scope.exclude !== undefined && scope.exclude.length > 0) parts.push(sql` AND d.delegation_id <> ALL(${arrayLiteral(scope.exclude)}::text[])`);
  return sql.join(parts);
}

/** The rows a refused page held (its scope, its limit), in id order for a stable bisection; nothing is locked. */
export function pageIdsStatement(tables: LedgerTables, now: Date, policy: SweepPolicy, scope: SweepScope, batchSize: number): SQL {
  return sql`SELECT d.delegation_id AS "delegationId" FROM ${tables.delegations} d
    WHERE ${duePredicate(now, policy)}${inScope(scope)} ORDER BY d.delegation_id LIMIT ${batchSize}`;
}

/** What a sweep would change, without changing it (the differential tests compare this with the domain). */
export function findDueStatement(tables: LedgerTables, now: Date, policy: SweepPolicy): SQL {
  return sql`SELECT d.delegation_id AS "delegationId", ${verdictOf(now)} AS verdict, ${silentMs(now)} AS "silentMs",
      ${retriesExhaustedDetail()} AS "exhaustedDetail"
    FROM ${tables.delegations} d WHERE ${duePredicate(now, policy)} ORDER BY d.delegation_id`;
}

/** A findDueStatement row as the port's DueDelegation, its verdict spelled as classifyDelegation spells it. */
export function dueOf(row: Row): DueDelegation {
  const delegationId = String(row.delegationId);
  const kind = row.verdict as Verdict;
  switch (kind) {
    case 'deadline_exceeded':
      return { delegationId, verdict: { kind, detail: DEADLINE_EXCEEDED } };
    case 'stale_heartbeat':
      return { delegationId, verdict: { kind, detail: staleDetail(Number(row.silentMs)), silentForMs: Number(row.silentMs) } };
    case 'requeue_stuck':
      return { delegationId, verdict: { kind } };
    case 'retries_exhausted':
      return { delegationId, verdict: { kind, detail: String(row.exhaustedDetail) } };
    default:
      return assertNever(kind);
  }
}

const is = (kind: Verdict): SQL => sql`due.verdict = ${verdict(kind)}`;

/** The row after its verdict: failed at the deadline or out of attempts, stuck, or requeued as the next attempt. */
function moveSet(now: Date): SQL {
  const requeue = is('requeue_stuck');
  const cleared = (column: string) => sql.raw(`${column} = CASE WHEN due.verdict = 'requeue_stuck' THEN NULL ELSE d.${column} END`);
  return sql`status = CASE WHEN ${is('stale_heartbeat')} THEN 'stuck' WHEN ${requeue} THEN 'queued' ELSE 'failed' END,
    error_detail = CASE WHEN ${is('deadline_exceeded')} THEN ${DEADLINE_EXCEEDED}
      WHEN ${is('stale_heartbeat')} THEN 'no heartbeat for ' || ((due.silent_ms + 500) / 1000) || 's'
      WHEN ${is('retries_exhausted')} THEN ${retriesExhaustedDetail()} END,
    attempt = CASE WHEN ${requeue} THEN d.attempt + 1 ELSE d.attempt END,
    ${cleared('active_since')}, ${cleared('last_heartbeat')}, ${cleared('progress')},
    available_at = CASE WHEN ${requeue} THEN ${availableAfterBackoff(now)} ELSE d.available_at END,
    result_preview = NULL,
    version = d.version + 1,
    updated_at = ${ts(now)}`;
}

/** Each moved row's one event, as decide would write it for the verdict. */
function eventOf(): { type: SQL; details: SQL } {
  const by = (kind: Verdict) => sql`moved.verdict = ${verdict(kind)}`;
  return {
    type: sql`CASE WHEN ${by('stale_heartbeat')} THEN 'marked_stuck' WHEN ${by('requeue_stuck')} THEN 'requeued' ELSE 'failed' END`,
    details: sql`CASE WHEN ${by('stale_heartbeat')} THEN jsonb_build_object('detail', error_detail, 'silentForMs', silent_ms)
      WHEN ${by('requeue_stuck')} THEN jsonb_build_object('reason', 'stuck', 'availableAt', ${isoText(sql`available_at`)}, 'error', previous_error)
      ELSE jsonb_build_object('error', error_detail) END`,
  };
}

/**
 * One set-based statement, hand-written: the database decides and applies the sweep
 * (docs' sweeper rules), a CTE chain the query builder cannot express. It locks the
 * due rows (skipping rows a competitor holds), moves each under its expected version
 * and status with the predicate repeated, appends exactly one event per moved row, and
 * records the sweep as completed (the history beginSweep reads) in the same transaction.
 */
export function sweepStatement(tables: LedgerTables, now: Date, policy: SweepPolicy, actor: string, batchSize: number, scope: SweepScope = {}): SQL {
  const { delegations, delegationEvents } = tables;
  const predicate = duePredicate(now, policy);
  const event = eventOf();
  return sql`WITH due AS (
      SELECT d.delegation_id, d.version, d.status, d.error_detail, ${verdictOf(now)} AS verdict, ${silentMs(now)} AS silent_ms
      FROM ${delegations} d WHERE ${predicate}${inScope(scope)}
      LIMIT ${batchSize} FOR UPDATE OF d SKIP LOCKED
    ), moved AS (
      UPDATE ${delegations} d SET ${moveSet(now)}
      FROM due
      WHERE d.delegation_id = due.delegation_id AND d.version = due.version AND d.status = due.status AND ${predicate}
      RETURNING d.delegation_id, d.version, d.attempt, due.status AS from_status, d.status AS to_status,
        d.error_detail, d.available_at, due.error_detail AS previous_error, due.silent_ms, due.verdict
    ), appended AS (
      INSERT INTO ${delegationEvents} (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
      SELECT delegation_id, version, attempt, ${event.type}, from_status, to_status, ${actor}, ${event.details}, ${ts(now)}
      FROM moved
      RETURNING ${EVENT_COLUMNS}
    ), completed AS (${recordSweepCompleted(tables, now)})
    SELECT (SELECT count(*) FROM due) AS scanned,
      (SELECT coalesce(json_object_agg(verdict, n), '{}'::json) FROM (SELECT verdict, count(*) AS n FROM moved GROUP BY verdict) AS tally) AS tally,
      (SELECT coalesce(json_agg(appended ORDER BY position), '[]'::json) FROM appended) AS events`;
}
