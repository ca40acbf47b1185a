import { sql } from 'drizzle-orm';
import { bigint, check, pgTable, text, timestamp, type PgTableFn } from 'drizzle-orm/pg-core';

/** The checkpoints' table, built by `table`. */
export const delegationSubscriptionsTable = <S extends string | undefined>(table: PgTableFn<S>) =>
  table(
    'delegation_subscriptions',
    {
      name: text('name').primaryKey(),
      position: bigint('position', { mode: 'number' }).notNull(),
      // Informational only (never compared), so the database's own clock stamps it.
      updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3, mode: 'date' }).notNull().defaultNow(),
    },
    (t) => [check('delegation_subscriptions_position_check', sql`${t.position} >= 0`)],
  );

/** One row per subscription: the last position its consumer handled (0 before the first event). */
export const delegationSubscriptions = delegationSubscriptionsTable(pgTable);
