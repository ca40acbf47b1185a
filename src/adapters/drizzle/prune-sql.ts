import { sql, type SQL } from 'drizzle-orm';
import { TERMINAL_STATUSES } from '../../domain/index.js';
import type { PruneCursor } from '../../app/ports.js';
import type { LedgerTables } from './schema/tables.js';
import { literalList } from './schema/sql-lists.js';
import { ts } from './sql-values.js';

// The lowest checkpoint of any registered subscription; NULL when there is none (nothing holds back).
const floor = (tables: LedgerTables): SQL => sql`(SELECT min(position) AS p FROM ${tables.delegationSubscriptions})`;

// Terminal and last changed before the horizon: what the partial index delegations_terminal_updated_idx holds, in its order.
const due = (before: Date): SQL => sql`d.status IN ${literalList(TERMINAL_STATUSES)} AND d.updated_at < ${ts(before)}`;

/**
 * One prune batch, one statement (its own short transaction). `seen` is the next `limit` due
 * rows in index order; those with no event past the floor are the candidates, read in the
 * statement's snapshot with their version; they are then locked only if the version is still
 * the one read (re-checked on the newest row under FOR UPDATE), skipping rows another
 * transaction holds. An unchanged version under our lock means the snapshot saw every event
 * of the stream (each event bumps it under the row's lock), so the events deleted are all of
 * them and none past the floor. A row that moved meanwhile (a detail filled in) is left for
 * the next batch, never deleted half-read.
 */
export function pruneBatchStatement(tables: LedgerTables, before: Date, limit: number, after: PruneCursor | null): SQL {
  const { delegations, delegationEvents } = tables;
  // Keyset, not a fresh walk from the oldest entry: the index entries of rows deleted by earlier
  // batches stay until vacuum, and walking them again made each batch slower than the last.
  const past = after === null ? sql`` : sql`AND (d.updated_at, d.delegation_id) > (${ts(after.updatedAt)}, ${after.delegationId}::text)`;
  return sql`WITH floor AS MATERIALIZED ${floor(tables)},
    seen AS MATERIALIZED (
      SELECT d.delegation_id, d.version, d.updated_at FROM ${delegations} d
      WHERE ${due(before)} ${past}
      ORDER BY d.updated_at, d.delegation_id
      LIMIT ${limit}
    ),
    candidates AS MATERIALIZED (
      SELECT d.delegation_id, d.version FROM seen d
      WHERE NOT EXISTS (SELECT 1 FROM ${delegationEvents} e, floor
          WHERE e.delegation_id = d.delegation_id AND floor.p IS NOT NULL AND e.position > floor.p)
    ),
    last AS (SELECT updated_at, delegation_id FROM seen ORDER BY updated_at DESC, delegation_id DESC LIMIT 1),
    doomed AS MATERIALIZED (
      SELECT d.delegation_id FROM ${delegations} d JOIN candidates c USING (delegation_id)
      WHERE d.version = c.version AND ${due(before)}
      FOR UPDATE OF d SKIP LOCKED
    ),
    events_gone AS (DELETE FROM ${delegationEvents} e USING doomed WHERE e.delegation_id = doomed.delegation_id RETURNING 1),
    gone AS (DELETE FROM ${delegations} d USING doomed WHERE d.delegation_id = doomed.delegation_id RETURNING 1)
    SELECT (SELECT count(*) FROM seen) AS candidates, (SELECT count(*) FROM gone) AS delegations,
      (SELECT count(*) FROM events_gone) AS events,
      (SELECT updated_at FROM last) AS "lastUpdatedAt", (SELECT delegation_id FROM last) AS "lastId"`;
}

/**
 * What a prune at `before` could delete now (the due delegations whose events are all at or
 * below the floor) and the subscriptions behind the newest event of a due delegation: each of
 * them keeps at least one delegation that would otherwise go.
 */
export function pruneSurveyStatement(tables: LedgerTables, before: Date): SQL {
  const { delegations, delegationEvents, delegationSubscriptions } = tables;
  return sql`WITH floor AS MATERIALIZED ${floor(tables)},
    due AS MATERIALIZED (
      SELECT s.last, s.n FROM ${delegations} d
      CROSS JOIN LATERAL (SELECT max(e.position) AS last, count(*) AS n FROM ${delegationEvents} e WHERE e.delegation_id = d.delegation_id) s
      WHERE ${due(before)}
    )
    SELECT count(*) FILTER (WHERE floor.p IS NULL OR due.last <= floor.p) AS delegations,
      coalesce(sum(due.n) FILTER (WHERE floor.p IS NULL OR due.last <= floor.p), 0) AS events,
      (SELECT coalesce(json_agg(json_build_object('subscription', s.name, 'position', s.position) ORDER BY s.position, s.name), '[]'::json)
        FROM ${delegationSubscriptions} s WHERE s.position < (SELECT max(last) FROM due)) AS held
    FROM floor LEFT JOIN due ON true`;
}
