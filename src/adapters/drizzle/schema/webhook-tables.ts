import { pgSchema } from 'drizzle-orm/pg-core';
import { webhookDeliveries, webhookDeliveriesTable } from './webhook-deliveries.js';
import { webhookEndpoints, webhookEndpointsTable } from './webhook-endpoints.js';
import { checkSchemaName, DEFAULT_SCHEMA } from './tables.js';

/** The webhook tables in one PostgreSQL schema (the ledger's own, see ledgerTables). */
export type WebhookTables = {
  readonly endpoints: ReturnType<typeof webhookEndpointsTable<string | undefined>>;
  readonly deliveries: ReturnType<typeof webhookDeliveriesTable<string | undefined>>;
};

const built = new Map<string, WebhookTables>([[DEFAULT_SCHEMA, { endpoints: webhookEndpoints, deliveries: webhookDeliveries } as WebhookTables]]);

export function webhookTables(schema: string = DEFAULT_SCHEMA): WebhookTables {
  const name = checkSchemaName(schema);
  let tables = built.get(name);
  if (tables === undefined) {
    const table = pgSchema(name).table;
    const endpoints = webhookEndpointsTable(table);
    tables = { endpoints, deliveries: webhookDeliveriesTable(table, endpoints) } as WebhookTables;
    built.set(name, tables);
  }
  return tables;
}
