import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, text, timestamp, type PgTableFn } from 'drizzle-orm/pg-core';
import { webhookEndpoints, type webhookEndpointsTable } from './webhook-endpoints.js';

type EndpointsTable = ReturnType<typeof webhookEndpointsTable<string>>;

/** The delivery log's table, built by `table` next to the endpoints it references. */
export const webhookDeliveriesTable = <S extends string | undefined>(table: PgTableFn<S>, endpoints: typeof webhookEndpoints | EndpointsTable) =>
  table(
    'webhook_deliveries',
    {
      id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
      endpointId: text('endpoint_id')
        .notNull()
        .references(() => endpoints.id, { onDelete: 'cascade' }),
      webhookId: text('webhook_id').notNull(),
      eventPosition: bigint('event_position', { mode: 'number' }).notNull(),
      eventType: text('event_type').notNull(),
      attempt: integer('attempt').notNull(),
      outcome: text('outcome').notNull(),
      statusCode: integer('status_code'),
      error: text('error'),
      durationMs: integer('duration_ms').notNull(),
      attemptedAt: timestamp('attempted_at', { withTimezone: true, precision: 3, mode: 'date' }).notNull(),
    },
    (t) => [
      check('webhook_deliveries_outcome_check', sql`${t.outcome} IN ('delivered', 'failed')`),
      // The log is read per endpoint, newest first, and pruned per endpoint from the oldest.
      index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.id),
    ],
  );

/** Every attempt to deliver an event to an endpoint, the newest N per endpoint kept. */
export const webhookDeliveries = webhookDeliveriesTable(pgTable, webhookEndpoints);
