import { describe, expect, it } from 'vitest';
import type { NewWebhookDelivery, StoredWebhookEndpoint, WebhookStore } from '../app/webhooks-api.js';
import { InvalidInputError } from '../domain/index.js';

/** A fresh, empty webhook store per case. */
export type WebhookStoreFactory = () => Promise<WebhookStore>;

const T = new Date('2026-01-01T00:00:00.000Z');
const later = (ms: number) => new Date(T.getTime() + ms);

function endpoint(id: string, overrides: Partial<StoredWebhookEndpoint> = {}): StoredWebhookEndpoint {
  return {
    id,
    url: `http://127.0.0.1:9/${id}`,
    eventTypes: ['completed', 'failed'],
    description: `endpoint ${id}`,
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    status: 'active',
    pausedReason: null,
    pausedAt: null,
    createdAt: T,
    updatedAt: T,
    ...overrides,
  };
}

function attempt(endpointId: string, position: number, n = 1, overrides: Partial<NewWebhookDelivery> = {}): NewWebhookDelivery {
  return {
    endpointId,
    webhookId: `evt_${position}`,
    eventPosition: position,
    eventType: 'completed',
    attempt: n,
    outcome: 'failed',
    statusCode: 503,
    error: 'answered 503',
    durationMs: 12,
    attemptedAt: later(position * 1000 + n),
    ...overrides,
  };
}

/** The webhook store contract: the same cases on memory, PGlite and PostgreSQL. */
export function describeWebhookStoreContract(label: string, open: WebhookStoreFactory): void {
  describe(`webhook store on ${label}`, () => {
    it('keeps endpoints as written, secret and event types included, listed oldest first', async () => {
      const store = await open();
      await store.insertEndpoint(endpoint('b', { createdAt: later(5), updatedAt: later(5) }));
      await store.insertEndpoint(endpoint('a', { eventTypes: null, description: null }));
      expect(await store.loadEndpoint('b')).toEqual(endpoint('b', { createdAt: later(5), updatedAt: later(5) }));
      expect(await store.loadEndpoint('a')).toEqual(endpoint('a', { eventTypes: null, description: null }));
      expect((await store.listEndpoints()).map((e) => e.id)).toEqual(['a', 'b']);
      expect(await store.loadEndpoint('nope')).toBeNull();
    });

    it('refuses a second endpoint with a taken id and keeps the first', async () => {
      const store = await open();
      await store.insertEndpoint(endpoint('a'));
      await expect(store.insertEndpoint(endpoint('a', { url: 'http://127.0.0.1:9/other' }))).rejects.toBeInstanceOf(InvalidInputError);
      expect((await store.loadEndpoint('a'))?.url).toBe('http://127.0.0.1:9/a');
    });

    it('pauses with a reason and a time, and resumes clearing both', async () => {
      const store = await open();
      await store.insertEndpoint(endpoint('a'));
      const paused = await store.setEndpointStatus('a', { status: 'paused', reason: '10 failed attempts', at: later(60_000) });
      expect(paused).toMatchObject({ status: 'paused', pausedReason: '10 failed attempts', pausedAt: later(60_000), updatedAt: later(60_000) });
      expect(await store.loadEndpoint('a')).toEqual(paused);
      const active = await store.setEndpointStatus('a', { status: 'active', at: later(120_000) });
      expect(active).toMatchObject({ status: 'active', pausedReason: null, pausedAt: null, updatedAt: later(120_000), createdAt: T });
      expect(await store.setEndpointStatus('nope', { status: 'active', at: T })).toBeNull();
    });

    it('lists an endpoint’s attempts newest first, in pages, and only its own', async () => {
      const store = await open();
      await store.insertEndpoint(endpoint('a'));
      await store.insertEndpoint(endpoint('b'));
      const written = [];
      for (let position = 1; position <= 5; position += 1) {
        written.push(await store.recordDelivery(attempt('a', position), 100));
        await store.recordDelivery(attempt('b', position), 100);
      }
      const ids = written.map((d) => d.id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size).toBe(5);
      expect(written[0]).toEqual({ ...attempt('a', 1), id: ids[0] });
      const first = await store.listDeliveries('a', { limit: 2, beforeId: null });
      expect(first.map((d) => d.eventPosition)).toEqual([5, 4]);
      const second = await store.listDeliveries('a', { limit: 2, beforeId: first.at(-1)?.id ?? null });
      expect(second.map((d) => d.eventPosition)).toEqual([3, 2]);
      const rest = await store.listDeliveries('a', { limit: 10, beforeId: second.at(-1)?.id ?? null });
      expect(rest.map((d) => d.eventPosition)).toEqual([1]);
      expect(rest.every((d) => d.endpointId === 'a')).toBe(true);
      expect(await store.listDeliveries('nope', { limit: 10, beforeId: null })).toEqual([]);
    });

    it('keeps the newest `keep` attempts of an endpoint and leaves the others’ logs alone', async () => {
      const store = await open();
      await store.insertEndpoint(endpoint('a'));
      await store.insertEndpoint(endpoint('b'));
      for (let position = 1; position <= 3; position += 1) await store.recordDelivery(attempt('b', position), 3);
      for (let position = 1; position <= 8; position += 1)
        await store.recordDelivery(attempt('a', position, 1, { outcome: 'delivered', statusCode: 200, error: null }), 3);
      expect((await store.listDeliveries('a', { limit: 100, beforeId: null })).map((d) => d.eventPosition)).toEqual([8, 7, 6]);
      expect((await store.listDeliveries('b', { limit: 100, beforeId: null })).map((d) => d.eventPosition)).toEqual([3, 2, 1]);
    });

    it('records no attempt for an endpoint that does not exist', async () => {
      const store = await open();
      await expect(store.recordDelivery(attempt('ghost', 1), 10)).rejects.toThrow();
      await store.insertEndpoint(endpoint('ghost'));
      expect(await store.listDeliveries('ghost', { limit: 10, beforeId: null })).toEqual([]);
    });

    it('deletes an endpoint with its delivery log, once', async () => {
      const store = await open();
      await store.insertEndpoint(endpoint('a'));
      await store.insertEndpoint(endpoint('b'));
      await store.recordDelivery(attempt('a', 1), 10);
      await store.recordDelivery(attempt('b', 1), 10);
      expect(await store.deleteEndpoint('a')).toBe(true);
      expect(await store.deleteEndpoint('a')).toBe(false);
      expect(await store.loadEndpoint('a')).toBeNull();
      expect(await store.listDeliveries('a', { limit: 10, beforeId: null })).toEqual([]);
      expect(await store.listDeliveries('b', { limit: 10, beforeId: null })).toHaveLength(1);
      expect((await store.listEndpoints()).map((e) => e.id)).toEqual(['b']);
    });
  });
}
