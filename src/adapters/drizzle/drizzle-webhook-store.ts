import { and, asc, desc, eq, lt, sql } from 'drizzle-orm';
import {
  type NewWebhookDelivery,
  type StatusChange,
  type StoredWebhookEndpoint,
  type WebhookDelivery,
  type WebhookStore,
  webhookSubscriptionName,
} from '../../app/webhooks-api.js';
import { type EventType, InvalidInputError } from '../../domain/index.js';
import { guarded } from './database-errors.js';
import type { DrizzleDb } from './db.js';
import { DEFAULT_SCHEMA, ledgerTables, type LedgerTables } from './schema/tables.js';
import { webhookTables, type WebhookTables } from './schema/webhook-tables.js';

type EndpointRow = WebhookTables['endpoints']['$inferSelect'];
type DeliveryRow = WebhookTables['deliveries']['$inferSelect'];

/** Webhook endpoints and their delivery log in the ledger's database (tables webhook_endpoints, webhook_deliveries). */
export class DrizzleWebhookStore implements WebhookStore {
  private readonly tables: WebhookTables;
  private readonly ledger: LedgerTables;

  constructor(
    private readonly db: DrizzleDb,
    schema: string = DEFAULT_SCHEMA,
  ) {
    this.tables = webhookTables(schema);
    this.ledger = ledgerTables(schema);
  }

  async insertEndpoint(endpoint: StoredWebhookEndpoint): Promise<void> {
    const { endpoints } = this.tables;
    const inserted = await guarded(() =>
      this.db
        .insert(endpoints)
        .values({ ...endpoint, eventTypes: endpoint.eventTypes === null ? null : [...endpoint.eventTypes] })
        .onConflictDoNothing()
        .returning({ id: endpoints.id }),
    );
    if (inserted.length === 0) throw new InvalidInputError('id', `webhook endpoint ${endpoint.id} already exists`);
  }

  async listEndpoints(): Promise<StoredWebhookEndpoint[]> {
    const { endpoints } = this.tables;
    const rows = await guarded(() => this.db.select().from(endpoints).orderBy(asc(endpoints.createdAt), asc(endpoints.id)));
    return rows.map(endpointOf);
  }

  async loadEndpoint(id: string): Promise<StoredWebhookEndpoint | null> {
    const { endpoints } = this.tables;
    const [row] = await guarded(() => this.db.select().from(endpoints).where(eq(endpoints.id, id)));
    return row === undefined ? null : endpointOf(row);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    const { endpoints } = this.tables;
    const { delegationSubscriptions: checkpoints } = this.ledger;
    return guarded(() =>
      this.db.transaction(async (tx) => {
        // The delivery log goes with it (ON DELETE CASCADE), and so does its subscription's checkpoint.
        const deleted = await tx.delete(endpoints).where(eq(endpoints.id, id)).returning({ id: endpoints.id });
        await tx.delete(checkpoints).where(eq(checkpoints.name, webhookSubscriptionName(id)));
        return deleted.length > 0;
      }),
    );
  }

  async setEndpointStatus(id: string, change: StatusChange): Promise<StoredWebhookEndpoint | null> {
    const { endpoints } = this.tables;
    const paused = change.status === 'paused';
    const [row] = await guarded(() =>
      this.db
        .update(endpoints)
        .set({ status: change.status, pausedReason: paused ? change.reason : null, pausedAt: paused ? change.at : null, updatedAt: change.at })
        .where(eq(endpoints.id, id))
        .returning(),
    );
    return row === undefined ? null : endpointOf(row);
  }

  async recordDelivery(delivery: NewWebhookDelivery, keep: number): Promise<WebhookDelivery> {
    const { deliveries } = this.tables;
    return guarded(() =>
      this.db.transaction(async (tx) => {
        const [row] = await tx.insert(deliveries).values(delivery).returning();
        // Everything at or below the (keep + 1)-th newest attempt of this endpoint goes: one statement, on the index.
        const oldestKept = tx
          .select({ id: deliveries.id })
          .from(deliveries)
          .where(eq(deliveries.endpointId, delivery.endpointId))
          .orderBy(desc(deliveries.id))
          .limit(1)
          .offset(keep);
        await tx.delete(deliveries).where(and(eq(deliveries.endpointId, delivery.endpointId), sql`${deliveries.id} <= (${oldestKept})`));
        return deliveryOf(row as DeliveryRow);
      }),
    );
  }

  async listDeliveries(endpointId: string, query: { readonly limit: number; readonly beforeId: number | null }): Promise<WebhookDelivery[]> {
    const { deliveries } = this.tables;
    const where =
      query.beforeId === null ? eq(deliveries.endpointId, endpointId) : and(eq(deliveries.endpointId, endpointId), lt(deliveries.id, query.beforeId));
    const rows = await guarded(() => this.db.select().from(deliveries).where(where).orderBy(desc(deliveries.id)).limit(query.limit));
    return rows.map(deliveryOf);
  }
}

function endpointOf(row: EndpointRow): StoredWebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    eventTypes: (row.eventTypes as EventType[] | null) ?? null,
    description: row.description,
    secret: row.secret,
    status: row.status as StoredWebhookEndpoint['status'],
    pausedReason: row.pausedReason,
    pausedAt: row.pausedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function deliveryOf(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpointId,
    webhookId: row.webhookId,
    eventPosition: row.eventPosition,
    eventType: row.eventType as EventType,
    attempt: row.attempt,
    outcome: row.outcome as WebhookDelivery['outcome'],
    statusCode: row.statusCode,
    error: row.error,
    durationMs: row.durationMs,
    attemptedAt: row.attemptedAt,
  };
}
