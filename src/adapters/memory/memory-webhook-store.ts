import type { NewWebhookDelivery, StatusChange, StoredWebhookEndpoint, WebhookDelivery, WebhookStore } from '../../app/webhooks-api.js';
import { InvalidInputError } from '../../domain/index.js';

/** Webhook endpoints and their delivery log, for as long as the container lives. */
export class MemoryWebhookStore implements WebhookStore {
  private readonly endpoints = new Map<string, StoredWebhookEndpoint>();
  private readonly deliveries = new Map<string, WebhookDelivery[]>();
  private nextDeliveryId = 1;

  async insertEndpoint(endpoint: StoredWebhookEndpoint): Promise<void> {
    if (this.endpoints.has(endpoint.id)) throw new InvalidInputError('id', `webhook endpoint ${endpoint.id} already exists`);
    this.endpoints.set(endpoint.id, copy(endpoint));
  }

  async listEndpoints(): Promise<StoredWebhookEndpoint[]> {
    const byAge = (a: StoredWebhookEndpoint, b: StoredWebhookEndpoint) =>
      a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return [...this.endpoints.values()].sort(byAge).map(copy);
  }

  async loadEndpoint(id: string): Promise<StoredWebhookEndpoint | null> {
    const endpoint = this.endpoints.get(id);
    return endpoint === undefined ? null : copy(endpoint);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    this.deliveries.delete(id);
    return this.endpoints.delete(id);
  }

  async setEndpointStatus(id: string, change: StatusChange): Promise<StoredWebhookEndpoint | null> {
    const endpoint = this.endpoints.get(id);
    if (endpoint === undefined) return null;
    const paused = change.status === 'paused';
    const next: StoredWebhookEndpoint = {
      ...endpoint,
      status: change.status,
      pausedReason: paused ? change.reason : null,
      pausedAt: paused ? new Date(change.at) : null,
      updatedAt: new Date(change.at),
    };
    this.endpoints.set(id, next);
    return copy(next);
  }

  async recordDelivery(delivery: NewWebhookDelivery, keep: number): Promise<WebhookDelivery> {
    const recorded: WebhookDelivery = { ...delivery, id: this.nextDeliveryId, attemptedAt: new Date(delivery.attemptedAt) };
    this.nextDeliveryId += 1;
    // Kept only for endpoints that exist, as the database's foreign key does.
    if (!this.endpoints.has(delivery.endpointId)) throw new InvalidInputError('endpointId', `no webhook endpoint ${delivery.endpointId}`);
    const log = this.deliveries.get(delivery.endpointId) ?? [];
    log.push(recorded);
    if (log.length > keep) log.splice(0, log.length - keep);
    this.deliveries.set(delivery.endpointId, log);
    return { ...recorded };
  }

  async listDeliveries(endpointId: string, query: { readonly limit: number; readonly beforeId: number | null }): Promise<WebhookDelivery[]> {
    const { beforeId } = query;
    const log = this.deliveries.get(endpointId) ?? [];
    return log
      .filter((delivery) => beforeId === null || delivery.id < beforeId)
      .reverse()
      .slice(0, query.limit)
      .map((delivery) => ({ ...delivery }));
  }
}

function copy(endpoint: StoredWebhookEndpoint): StoredWebhookEndpoint {
  return { ...endpoint, eventTypes: endpoint.eventTypes === null ? null : [...endpoint.eventTypes] };
}
