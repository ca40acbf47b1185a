import { sql } from 'drizzle-orm';
import { check, pgTable, smallint, timestamp, type PgTableFn } from 'drizzle-orm/pg-core';

const stamp = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });

/** The sweep history's table, built by `table`. */
export const delegationSweepStateTable = <S extends string | undefined>(table: PgTableFn<S>) =>
  table(
    'delegation_sweep_state',
    {
      // One ledger, one history: the key can only be 1, so every sweeper meets on the same row.
      id: smallint('id').primaryKey(),
      lastCompletedAt: stamp('last_completed_at'),
      graceFrom: stamp('grace_from'),
    },
    (t) => [check('delegation_sweep_state_single_row', sql`${t.id} = 1`)],
  );

/** What every sweeper of this ledger shares (sweepGrace's SweepHistory): absent until the first sweep. */
export const delegationSweepState = delegationSweepStateTable(pgTable);
