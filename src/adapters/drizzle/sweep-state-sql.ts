import { sql, type SQL } from 'drizzle-orm';
import type { GraceRules } from '../../domain/index.js';
import type { LedgerTables } from './schema/tables.js';
import { msSince, ts } from './sql-values.js';

// The history is one row; its key is fixed by the table's check.
const ROW = sql.raw('1');

/** The sweep at `now` completed: the history keeps the latest completion, whichever sweeper wrote it. */
export function recordSweepCompleted(tables: LedgerTables, now: Date): SQL {
  const state = tables.delegationSweepState;
  return sql`INSERT INTO ${state} AS s (id, last_completed_at) VALUES (${ROW}, ${ts(now)})
    ON CONFLICT (id) DO UPDATE SET last_completed_at = GREATEST(s.last_completed_at, EXCLUDED.last_completed_at)`;
}

/**
 * sweepGrace in one statement on the history row, which it creates on the first sweep: a sweep
 * after an outage (no completion within the gap) starts a grace period unless one began since
 * the last completion and within the gap (another sweeper of this outage started it). The upsert
 * always writes, so the row comes back, locked, even when a concurrent sweeper inserted it first
 * (a plain read in the same statement would not see that row): the second of two sweepers at
 * once then finds the first's grace and shares it.
 */
export function beginSweepStatement(tables: LedgerTables, now: Date, rules: GraceRules): SQL {
  const state = tables.delegationSweepState;
  const gap = sql`${rules.outageGapMs}::float8`;
  const outage = sql`(s.last_completed_at IS NULL OR ${msSince(now, 's.last_completed_at')} > ${gap})`;
  const startedSinceLast = sql`(s.grace_from IS NOT NULL AND (s.last_completed_at IS NULL OR s.grace_from > s.last_completed_at)
    AND ${msSince(now, 's.grace_from')} <= ${gap})`;
  return sql`WITH begun AS (
      INSERT INTO ${state} AS s (id, grace_from) VALUES (${ROW}, ${ts(now)})
      ON CONFLICT (id) DO UPDATE SET grace_from = CASE WHEN ${outage} AND NOT ${startedSinceLast} THEN EXCLUDED.grace_from ELSE s.grace_from END
      RETURNING s.grace_from
    )
    SELECT s.grace_from AS "graceFrom",
      s.grace_from IS NULL OR ${msSince(now, 's.grace_from')} >= ${rules.bootGraceMs}::float8 AS "staleRuleActive"
    FROM begun s`;
}

/** With grace disabled the history is only read: the stale rule applies, whatever it holds. */
export function sweepHistoryStatement(tables: LedgerTables): SQL {
  return sql`SELECT grace_from AS "graceFrom" FROM ${tables.delegationSweepState} WHERE id = ${ROW}`;
}
