import { bigint, pgTable, primaryKey, smallint, text, type PgTableFn } from 'drizzle-orm/pg-core';

// Shards per status: each session adds to its own row (its backend pid modulo this), so
// concurrent transitions do not queue on one counter row.
export const STATUS_COUNT_SHARDS = 32;

/**
 * The projection's rows per status, kept by triggers on delegations in the transaction of
 * every write (see the status_counts migration): what stats() reads instead of counting a
 * table of millions. A status's count is the sum over its shards.
 */
export const delegationStatusCountsTable = <S extends string | undefined>(table: PgTableFn<S>) =>
  table(
    'delegation_status_counts',
    {
      status: text('status').notNull(),
      shard: smallint('shard').notNull(),
      rows: bigint('rows', { mode: 'number' }).notNull(),
    },
    // No check of its own: the rows come from delegations, whose check already holds the statuses.
    (t) => [primaryKey({ name: 'delegation_status_counts_pk', columns: [t.status, t.shard] })],
  );

export const delegationStatusCounts = delegationStatusCountsTable(pgTable);
