import { sql, type SQL } from 'drizzle-orm';
import type { ClaimRequest } from '../../app/ports.js';
import { delegationColumns, EVENT_COLUMNS } from './rows.js';
import type { LedgerTables } from './schema/tables.js';
import { ts } from './sql-values.js';

/**
 * One statement, hand-written: the callee's oldest claimable queued rows (backoff over, deadline
 * not passed; the order delegations_claim_idx holds), locked with SKIP LOCKED so concurrent
 * claimers divide them instead of queueing on each other, moved to dispatched as decide's
 * Dispatch would (the guard repeated in the UPDATE), with one `dispatched` event each.
 */
export function claimStatement(tables: LedgerTables, request: ClaimRequest): SQL {
  const { delegations, delegationEvents } = tables;
  const now = ts(request.now);
  const claimable = sql`d.status = 'queued' AND d.callee_id = ${request.calleeId}
    AND (d.available_at IS NULL OR d.available_at <= ${now}) AND d.deadline >= ${now}`;
  return sql`WITH picked AS (
      SELECT d.delegation_id, d.version FROM ${delegations} d
      WHERE ${claimable}
      ORDER BY d.created_at, d.delegation_id
      LIMIT ${request.limit} FOR UPDATE OF d SKIP LOCKED
    ), moved AS (
      UPDATE ${delegations} d SET status = 'dispatched', version = d.version + 1, active_since = ${now},
        result_preview = NULL, error_detail = NULL, updated_at = ${now}
      FROM picked
      WHERE d.delegation_id = picked.delegation_id AND d.version = picked.version AND ${claimable}
      RETURNING ${delegationColumns('d')}
    ), appended AS (
      INSERT INTO ${delegationEvents} (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
      SELECT "delegationId", version, attempt, 'dispatched', 'queued', 'dispatched', ${request.actor}, '{}'::jsonb, ${now}
      FROM moved ORDER BY "createdAt", "delegationId"
      RETURNING ${EVENT_COLUMNS}
    )
    SELECT (SELECT coalesce(json_agg(moved ORDER BY "createdAt", "delegationId"), '[]'::json) FROM moved) AS delegations,
      (SELECT coalesce(json_agg(appended ORDER BY position), '[]'::json) FROM appended) AS events`;
}
