import { sql, type SQL } from 'drizzle-orm';
import { DEADLINE_EXCEEDED, IN_FLIGHT_STATUSES, LIVENESS_CHECKED_STATUSES, type SweepPolicy } from '../../domain/index.js';
import { EVENT_COLUMNS } from './rows.js';
import type { LedgerTables } from './schema/tables.js';
import { literalList } from './schema/sql-lists.js';
import { ts } from './sql-values.js';

/**
 * classifyDelegation as a predicate over table alias `d`: in flight and past the
 * deadline, or (when boot grace is over) a liveness-checked status silent longer
 * than its own timeout or the default. The same text guards the UPDATE.
 */
export function duePredicate(now: Date, policy: SweepPolicy): SQL {
  const pastDeadline = sql`d.deadline < ${ts(now)}`;
  const inFlight = sql`d.status IN ${literalList(IN_FLIGHT_STATUSES)}`;
  if (!policy.staleRuleActive) return sql`${inFlight} AND ${pastDeadline}`;
  // Compared as milliseconds, not as now minus an interval: a timeout of years would
  // push that timestamp out of range and fail the whole sweep, not just its own row.
  const stale = sql`(d.status IN ${literalList(LIVENESS_CHECKED_STATUSES)}
    AND ${silenceMs(now)} > COALESCE(d.heartbeat_timeout_ms, ${policy.thresholdMs}::bigint))`;
  return sql`${inFlight} AND (${pastDeadline} OR ${stale})`;
}

/**
 * How long row `d` has been silent at `now`, in whole milliseconds: the one expression
 * the predicate compares and the statements report. In float8 (date_part), not numeric
 * (extract): this runs on every in-flight row, and numeric arithmetic cost a third of
 * the scan. Exact here: every stamp is whole ms.
 */
function silenceMs(now: Date): SQL {
  return sql`round(date_part('epoch', ${ts(now)} - GREATEST(d.last_heartbeat, d.active_since)) * 1000)`;
}

// Reported as an integer: the detail divides it into whole seconds.
const silentMs = (now: Date): SQL => sql`${silenceMs(now)}::bigint`;

/** What a sweep would change, without changing it (the differential tests compare this with the domain). */
export function findDueStatement(tables: LedgerTables, now: Date, policy: SweepPolicy): SQL {
  return sql`SELECT d.delegation_id AS "delegationId", d.deadline < ${ts(now)} AS "pastDeadline", ${silentMs(now)} AS "silentMs"
    FROM ${tables.delegations} d WHERE ${duePredicate(now, policy)} ORDER BY d.delegation_id`;
}

/**
 * One set-based statement, hand-written: the database decides and applies the sweep
 * (docs' sweeper rules), a CTE chain the query builder cannot express. It locks the
 * due rows (skipping rows a competitor holds), moves each under its expected version
 * and status with the predicate repeated, and appends exactly one event per moved row.
 */
export function sweepStatement(tables: LedgerTables, now: Date, policy: SweepPolicy, actor: string, batchSize: number): SQL {
  const { delegations, delegationEvents } = tables;
  const predicate = duePredicate(now, policy);
  return sql`WITH due AS (
      SELECT d.delegation_id, d.version, d.status, d.deadline < ${ts(now)} AS past_deadline, ${silentMs(now)} AS silent_ms
      FROM ${delegations} d WHERE ${predicate}
      LIMIT ${batchSize} FOR UPDATE OF d SKIP LOCKED
    ), moved AS (
      UPDATE ${delegations} d SET
        status = CASE WHEN due.past_deadline THEN 'failed' ELSE 'stuck' END,
        error_detail = CASE WHEN due.past_deadline THEN ${DEADLINE_EXCEEDED}
          ELSE 'no heartbeat for ' || ((due.silent_ms + 500) / 1000) || 's' END,
        result_preview = NULL,
        version = d.version + 1,
        updated_at = ${ts(now)}
      FROM due
      WHERE d.delegation_id = due.delegation_id AND d.version = due.version AND d.status = due.status AND ${predicate}
      RETURNING d.delegation_id, d.version, d.attempt, due.status AS from_status, d.status AS to_status,
        d.error_detail, due.silent_ms, due.past_deadline
    ), appended AS (
      INSERT INTO ${delegationEvents} (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
      SELECT delegation_id, version, attempt, CASE WHEN past_deadline THEN 'failed' ELSE 'marked_stuck' END,
        from_status, to_status, ${actor},
        CASE WHEN past_deadline THEN jsonb_build_object('error', error_detail)
          ELSE jsonb_build_object('detail', error_detail, 'silentForMs', silent_ms) END,
        ${ts(now)}
      FROM moved
      RETURNING ${EVENT_COLUMNS}
    )
    SELECT (SELECT count(*) FROM due) AS scanned,
      (SELECT coalesce(json_agg(appended ORDER BY position), '[]'::json) FROM appended) AS events`;
}
