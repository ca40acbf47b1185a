import { sql, type SQL } from 'drizzle-orm';
import type { HeartbeatWrite } from '../../app/ports.js';
import { delegationColumns } from './rows.js';
import type { LedgerTables } from './schema/tables.js';
import { arrayLiteral } from './sql-values.js';

/**
 * The database clock's reading inside a statement: the statement's start, in whole milliseconds
 * as a JavaScript Date holds it (DatabaseClock's reading, truncated the same way). Rounded, as the
 * millisecond columns would store it, a stamp could lie up to half a millisecond in the future.
 */
export const DATABASE_NOW = sql`date_trunc('milliseconds', now())`;

/** The row (all nulls when there is none) and the database's time, from one statement. */
export function loadWithTimeStatement(tables: LedgerTables, delegationId: string): SQL {
  return sql`SELECT ${delegationColumns('d')}, ${DATABASE_NOW} AS "now"
    FROM (SELECT 1) AS one LEFT JOIN ${tables.delegations} AS d ON d.delegation_id = ${delegationId}`;
}

/**
 * A batch of beats as one set-based UPDATE over unnest (no builder form for UPDATE ... FROM unnest),
 * stamped `now`. It writes last_heartbeat and progress only, columns no index holds, so the update
 * stays HOT (see the delegations table's fillfactor). The ledger sends each delegation once per batch.
 *
 * Committed without waiting for the WAL's flush to disk (synchronous_commit off, for this statement's
 * transaction only): a plain beat is a liveness hint the agent repeats, and the flush (about 2 ms on
 * this machine's disk) was most of a beat's time. A server crash may lose the last fraction of a
 * second of beats (never a transition: those commit synchronously, and flush every beat before them),
 * which leaves a heartbeat a little older than the agent was told; the outage grace covers the restart.
 */
export function heartbeatStatement(tables: LedgerTables, beats: readonly HeartbeatWrite[], now: SQL): SQL {
  const ids = arrayLiteral(beats.map((beat) => beat.delegationId));
  const attempts = arrayLiteral(beats.map((beat) => beat.attempt ?? null));
  const progress = arrayLiteral(beats.map((beat) => beat.progress));
  return sql`UPDATE ${tables.delegations} AS d SET
      last_heartbeat = GREATEST(d.last_heartbeat, ${now}),
      progress = CASE WHEN b.progress IS NULL THEN d.progress ELSE GREATEST(d.progress, b.progress) END
    FROM unnest(${ids}::text[], ${attempts}::int[], ${progress}::float8[]) AS b(id, attempt, progress),
      (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
    WHERE d.delegation_id = b.id AND d.status = 'in_progress' AND (b.attempt IS NULL OR b.attempt = d.attempt)
    RETURNING ${delegationColumns('d')}`;
}
