import { sql } from 'drizzle-orm';
import { check, jsonb, pgTable, text, timestamp, type PgTableFn } from 'drizzle-orm/pg-core';

const stamp = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });

/** The webhook endpoints' table, built by `table`. */
export const webhookEndpointsTable = <S extends string | undefined>(table: PgTableFn<S>) =>
  table(
    'webhook_endpoints',
    {
      id: text('id').primaryKey(),
      url: text('url').notNull(),
      // A JSON array of event types; null: every type.
      eventTypes: jsonb('event_types').$type<string[]>(),
      description: text('description'),
      // Kept as given: deliveries are signed with it (HMAC), so it cannot be stored hashed.
      secret: text('secret').notNull(),
      status: text('status').notNull(),
      pausedReason: text('paused_reason'),
      pausedAt: stamp('paused_at'),
      createdAt: stamp('created_at').notNull(),
      updatedAt: stamp('updated_at').notNull(),
    },
    (t) => [check('webhook_endpoints_status_check', sql`${t.status} IN ('active', 'paused')`)],
  );

/** One row per registered endpoint. */
export const webhookEndpoints = webhookEndpointsTable(pgTable);
