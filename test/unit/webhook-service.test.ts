import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, type StoredEvent } from '../../src/domain/index.js';
import type { SubscribeOptions, SubscriptionHandle, Subscriptions } from '../../src/app/subscriptions-api.js';
import { MAX_DELIVERY_PAGE, WebhookService } from '../../src/app/webhooks.js';
import type { NewWebhookDelivery, StatusChange, StoredWebhookEndpoint, WebhookRequest, WebhookResponse, WebhookSettings } from '../../src/app/webhooks-api.js';
import { MemoryWebhookStore } from '../../src/adapters/memory/memory-webhook-store.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { type LogLine, recordingLogger, T0 } from '../support/memory.js';

type Subscribed = {
  options: SubscribeOptions;
  stops: number;
  caughtUps: number;
  /** False: stop() returns without ending the subscription (the test ends it). */
  stopSettles: boolean;
  settle: { resolve: () => void; reject: (error: unknown) => void };
};

/** Subscriptions that record what the service subscribes and stops; the test ends them or hands them events. */
function fakeSubscriptions() {
  const subscribed: Subscribed[] = [];
  const subscriptions: Subscriptions = {
    subscribe(options) {
      let settle!: Subscribed['settle'];
      const done = new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
      done.catch(() => undefined);
      const entry: Subscribed = { options: options as SubscribeOptions, stops: 0, caughtUps: 0, stopSettles: true, settle };
      subscribed.push(entry);
      const handle: SubscriptionHandle = {
        name: options.name,
        position: null,
        done,
        caughtUp: async () => {
          entry.caughtUps += 1;
          return 0;
        },
        stop: async () => {
          entry.stops += 1;
          if (!entry.stopSettles) return;
          settle.resolve();
          await done.catch(() => undefined);
        },
      };
      return handle;
    },
    stopAll: async () => undefined,
    close: async () => undefined,
  };
  return { subscriptions, subscribed };
}

/** The memory store, but a status change can be made to fail or to find nothing (an endpoint removed meanwhile). */
class TestStore extends MemoryWebhookStore {
  statusFailure: Error | null = null;
  statusFindsNothing = false;
  override async setEndpointStatus(id: string, change: StatusChange): Promise<StoredWebhookEndpoint | null> {
    if (this.statusFailure !== null) throw this.statusFailure;
    if (this.statusFindsNothing) return null;
    return super.setEndpointStatus(id, change);
  }
}

function setup(settings: Partial<WebhookSettings> = {}, answer: () => WebhookResponse = () => ({ kind: 'answered', statusCode: 204, durationMs: 1 })) {
  const clock = new VirtualClock(T0);
  const store = new TestStore();
  const lines: LogLine[] = [];
  const requests: WebhookRequest[] = [];
  const sender = {
    send: async (request: WebhookRequest) => {
      requests.push(request);
      return answer();
    },
  };
  const { subscriptions, subscribed } = fakeSubscriptions();
  const service = new WebhookService(store, subscriptions, sender, clock, clock, recordingLogger(lines), { next: () => 0.5 }, settings);
  const named = (id: string) => subscribed.filter((s) => s.options.name === `webhook:${id}`);
  const info = (message: string) => lines.filter((line) => line.message === message);
  return { clock, store, lines, requests, subscribed, service, named, info };
}

const URL = 'https://example.org/hook';

function attempt(endpointId: string, n: number): NewWebhookDelivery {
  return {
    endpointId,
    webhookId: `evt_${n}`,
    eventPosition: n,
    eventType: 'created',
    attempt: 1,
    outcome: 'delivered',
    statusCode: 204,
    error: null,
    durationMs: 1,
    attemptedAt: T0,
  };
}

function event(position: number): StoredEvent {
  return {
    type: 'created',
    delegationId: 'd',
    attempt: 1,
    fromStatus: null,
    toStatus: 'pending',
    actor: 'c',
    occurredAt: T0,
    data: {},
    version: 1,
    position,
  } as unknown as StoredEvent;
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('WebhookService: the registry', () => {
  it('registers an active endpoint stamped with the clock, returns the secret beside it and logs the URL, never the secret', async () => {
    const h = setup();
    h.clock.advance(1_234);
    const { endpoint, secret } = await h.service.register({ url: URL, eventTypes: ['completed'], description: 'shop' });
    expect(endpoint.id).toMatch(/^wh_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(endpoint).toEqual({
      id: endpoint.id,
      url: URL,
      eventTypes: ['completed'],
      description: 'shop',
      status: 'active',
      pausedReason: null,
      pausedAt: null,
      createdAt: new Date(T0.getTime() + 1_234),
      updatedAt: new Date(T0.getTime() + 1_234),
    });
    expect(endpoint).not.toHaveProperty('secret');
    expect(secret).toMatch(/^whsec_/);
    expect((await h.store.loadEndpoint(endpoint.id))?.secret).toBe(secret);
    expect(h.lines).toEqual([
      { level: 'info', message: 'webhook endpoint registered', fields: { endpointId: endpoint.id, url: URL, eventTypes: ['completed'] } },
    ]);
    const other = await h.service.register({ url: URL });
    expect(other.endpoint.id).not.toBe(endpoint.id);
  });

  it('lists and gets endpoints without their secrets; get is null for an unknown id and refuses an empty one', async () => {
    const h = setup();
    const a = await h.service.register({ url: URL });
    h.clock.advance(1);
    const b = await h.service.register({ url: `${URL}/b` });
    const listed = await h.service.list();
    expect(listed.map((e) => e.id)).toEqual([a.endpoint.id, b.endpoint.id]);
    expect(listed.every((e) => !('secret' in e))).toBe(true);
    expect(await h.service.get(b.endpoint.id)).toEqual(b.endpoint);
    expect(await h.service.get('wh_nope')).toBeNull();
    const error = await thrown(h.service.get(''));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'id', message: 'invalid id: must not be empty' });
  });

  it('removes an endpoint (logged) and says false, silently, for one that does not exist', async () => {
    const h = setup();
    const { endpoint } = await h.service.register({ url: URL });
    h.lines.length = 0;
    expect(await h.service.remove('wh_nope')).toBe(false);
    expect(h.lines).toEqual([]);
    expect(await h.service.remove(endpoint.id)).toBe(true);
    expect(h.lines).toEqual([{ level: 'info', message: 'webhook endpoint removed', fields: { endpointId: endpoint.id } }]);
    expect(await h.service.get(endpoint.id)).toBeNull();
    expect(await h.service.remove(endpoint.id)).toBe(false);
    expect(await thrown(h.service.remove(''))).toMatchObject({ field: 'id' });
  });
});

describe('WebhookService: starting and stopping deliveries', () => {
  it('start() subscribes every active endpoint once, not the paused ones; registering before start subscribes nothing', async () => {
    const h = setup();
    const active = await h.service.register({ url: URL });
    const paused = await h.service.register({ url: URL });
    await h.store.setEndpointStatus(paused.endpoint.id, { status: 'paused', reason: 'by hand', at: T0 });
    expect(h.subscribed).toEqual([]);
    await h.service.start();
    expect(h.subscribed.map((s) => s.options.name)).toEqual([`webhook:${active.endpoint.id}`]);
    // A second start (the daemon restarting its services) does not subscribe twice.
    await h.service.start();
    expect(h.subscribed).toHaveLength(1);
  });

  it('registering while started subscribes at once; after stop() it does not, and stop() stopped every subscription', async () => {
    const h = setup();
    await h.service.start();
    const a = await h.service.register({ url: URL });
    const b = await h.service.register({ url: URL });
    expect(h.subscribed.map((s) => s.options.name)).toEqual([`webhook:${a.endpoint.id}`, `webhook:${b.endpoint.id}`]);
    await h.service.stop();
    expect(h.subscribed.map((s) => s.stops)).toEqual([1, 1]);
    await h.service.register({ url: URL });
    expect(h.subscribed).toHaveLength(2);
    // Started again: every active endpoint anew (stop forgot the old workers).
    await h.service.start();
    expect(h.subscribed).toHaveLength(5);
  });

  it('remove() stops the endpoint’s deliveries before forgetting it', async () => {
    const h = setup();
    await h.service.start();
    const { endpoint } = await h.service.register({ url: URL });
    const [sub] = h.named(endpoint.id);
    expect(await h.service.remove(endpoint.id)).toBe(true);
    expect(sub?.stops).toBe(1);
    // The stopped worker sends nothing for an event it is still handed.
    await expect(sub?.options.handler([event(1)], { name: 'x', attempt: 1, transaction: undefined })).rejects.toMatchObject({
      name: 'DeliveryHalted',
    });
    expect(h.requests).toEqual([]);
    await h.service.stop();
    expect(sub?.stops).toBe(1);
  });

  it('caughtUp() waits on the endpoint’s subscription, and resolves at once for an endpoint with no deliveries running', async () => {
    const h = setup();
    await h.service.start();
    const { endpoint } = await h.service.register({ url: URL });
    await h.service.caughtUp(endpoint.id);
    expect(h.named(endpoint.id)[0]?.caughtUps).toBe(1);
    await expect(h.service.caughtUp('wh_nope')).resolves.toBeUndefined();
  });
});

describe('WebhookService: resume()', () => {
  it('is null for an unknown endpoint, refuses an empty id', async () => {
    const h = setup();
    expect(await h.service.resume('wh_nope')).toBeNull();
    expect(await thrown(h.service.resume(''))).toMatchObject({ field: 'id' });
    expect(h.lines).toEqual([]);
  });

  it('leaves an active endpoint as it is (no write, no log, no second subscription)', async () => {
    const h = setup();
    await h.service.start();
    const { endpoint } = await h.service.register({ url: URL });
    h.lines.length = 0;
    h.clock.advance(5_000);
    expect(await h.service.resume(endpoint.id)).toEqual(endpoint);
    expect(h.lines).toEqual([]);
    expect(h.subscribed).toHaveLength(1);
  });

  it('makes a paused endpoint active again (logged, stamped); its deliveries start only once the service is started', async () => {
    const h = setup();
    const { endpoint } = await h.service.register({ url: URL });
    await h.store.setEndpointStatus(endpoint.id, { status: 'paused', reason: 'answered 500', at: T0 });
    h.lines.length = 0;
    h.clock.advance(7_000);
    const resumed = await h.service.resume(endpoint.id);
    expect(resumed).toEqual({ ...endpoint, status: 'active', pausedReason: null, pausedAt: null, updatedAt: new Date(T0.getTime() + 7_000) });
    expect(h.lines).toEqual([{ level: 'info', message: 'webhook endpoint resumed', fields: { endpointId: endpoint.id } }]);
    expect(h.subscribed).toEqual([]);

    await h.store.setEndpointStatus(endpoint.id, { status: 'paused', reason: 'answered 500', at: T0 });
    await h.service.start();
    expect(h.subscribed).toEqual([]);
    await h.service.resume(endpoint.id);
    expect(h.named(endpoint.id)).toHaveLength(1);
  });

  it('restarts the deliveries of an active endpoint whose subscription had ended', async () => {
    const h = setup();
    await h.service.start();
    const { endpoint } = await h.service.register({ url: URL });
    h.named(endpoint.id)[0]?.settle.resolve();
    await h.clock.advanceAsync(0);
    await h.service.resume(endpoint.id);
    expect(h.named(endpoint.id)).toHaveLength(2);
  });

  it('is null when the endpoint disappears between reading and resuming it', async () => {
    const h = setup();
    const { endpoint } = await h.service.register({ url: URL });
    await h.store.setEndpointStatus(endpoint.id, { status: 'paused', reason: 'x', at: T0 });
    await h.service.start();
    h.store.statusFindsNothing = true;
    h.lines.length = 0;
    expect(await h.service.resume(endpoint.id)).toBeNull();
    expect(h.lines).toEqual([]);
    expect(h.named(endpoint.id)).toHaveLength(0);
  });
});

describe('WebhookService: a subscription that gives up', () => {
  it('records the endpoint as paused with the error, and logs it', async () => {
    const h = setup();
    await h.service.start();
    const a = await h.service.register({ url: URL });
    const b = await h.service.register({ url: URL });
    h.clock.advance(9_000);
    const failure = new Error('store kept failing');
    h.named(a.endpoint.id)[0]?.settle.reject(failure);
    h.named(b.endpoint.id)[0]?.settle.reject('not an Error');
    for (let i = 0; i < 5; i += 1) await h.clock.advanceAsync(0);
    expect(await h.service.get(a.endpoint.id)).toMatchObject({
      status: 'paused',
      pausedReason: 'deliveries stopped: store kept failing',
      pausedAt: new Date(T0.getTime() + 9_000),
    });
    expect((await h.service.get(b.endpoint.id))?.pausedReason).toBe('deliveries stopped: not an Error');
    expect(h.lines.filter((line) => line.level === 'error')).toEqual([
      { level: 'error', message: 'webhook deliveries stopped', fields: { endpointId: a.endpoint.id, err: failure } },
      { level: 'error', message: 'webhook deliveries stopped', fields: { endpointId: b.endpoint.id, err: 'not an Error' } },
    ]);
    // Its worker is gone: resuming starts deliveries again.
    await h.service.resume(a.endpoint.id);
    expect(h.named(a.endpoint.id)).toHaveLength(2);
  });

  it('logs that the pause could not be recorded when the store fails too', async () => {
    const h = setup();
    await h.service.start();
    const { endpoint } = await h.service.register({ url: URL });
    const storeDown = new Error('store down');
    h.store.statusFailure = storeDown;
    h.named(endpoint.id)[0]?.settle.reject(new Error('gave up'));
    for (let i = 0; i < 5; i += 1) await h.clock.advanceAsync(0);
    expect(h.lines.filter((line) => line.level === 'error').map((line) => [line.message, line.fields.err])).toEqual([
      ['webhook deliveries stopped', expect.objectContaining({ message: 'gave up' })],
      ['could not record the webhook endpoint as paused', storeDown],
    ]);
    expect(h.lines.at(-1)?.fields.endpointId).toBe(endpoint.id);
  });

  it('is no failure when the worker paused the endpoint itself, nor when the subscription stopped on request', async () => {
    const h = setup({ pauseAfterFailures: 1 }, () => ({ kind: 'answered', statusCode: 410, durationMs: 1 }));
    await h.service.start();
    const { endpoint } = await h.service.register({ url: URL });
    const sub = h.named(endpoint.id)[0] as Subscribed;
    // The subscription ends with an error after the worker paused and stopped it: the pause stands as the worker wrote it.
    sub.stopSettles = false;
    await expect(sub.options.handler([event(1)], { name: 'x', attempt: 1, transaction: undefined })).rejects.toMatchObject({ name: 'DeliveryHalted' });
    expect(sub.stops).toBe(1);
    sub.settle.reject(new Error('late failure'));
    for (let i = 0; i < 5; i += 1) await h.clock.advanceAsync(0);
    expect((await h.service.get(endpoint.id))?.pausedReason).toBe('the receiver answered 410 (Gone): it asks for no more deliveries');
    expect(h.lines.filter((line) => line.level === 'error')).toEqual([]);
  });
});

describe('WebhookService: deliveries()', () => {
  it('pages the log newest first: 50 by default, a cursor while more remain, null on the last page', async () => {
    const h = setup();
    const { endpoint } = await h.service.register({ url: URL });
    const ids: number[] = [];
    for (let n = 1; n <= 53; n += 1) ids.push((await h.store.recordDelivery(attempt(endpoint.id, n), 1_000)).id);
    const first = await h.service.deliveries(endpoint.id);
    expect(first?.deliveries).toHaveLength(50);
    expect(first?.deliveries[0]).toMatchObject({ id: ids[52], endpointId: endpoint.id, eventPosition: 53 });
    expect(first?.nextCursor).toBe(String(ids[3]));
    const rest = await h.service.deliveries(endpoint.id, { cursor: first?.nextCursor ?? undefined });
    expect(rest?.deliveries.map((d) => d.eventPosition)).toEqual([3, 2, 1]);
    expect(rest?.nextCursor).toBeNull();

    const two = await h.service.deliveries(endpoint.id, { limit: 2, cursor: String(ids[2]) });
    expect(two).toEqual({ deliveries: [expect.objectContaining({ eventPosition: 2 }), expect.objectContaining({ eventPosition: 1 })], nextCursor: null });
    const exactlyAll = await h.service.deliveries(endpoint.id, { limit: 53 });
    expect(exactlyAll?.nextCursor).toBeNull();
    const allButOne = await h.service.deliveries(endpoint.id, { limit: 52 });
    expect(allButOne?.nextCursor).toBe(String(ids[1]));
    expect((await h.service.deliveries(endpoint.id, { limit: MAX_DELIVERY_PAGE }))?.deliveries).toHaveLength(53);
  });

  it('is an empty page for an endpoint with no attempts, null for an unknown one', async () => {
    const h = setup();
    const { endpoint } = await h.service.register({ url: URL });
    expect(await h.service.deliveries(endpoint.id)).toEqual({ deliveries: [], nextCursor: null });
    expect(await h.service.deliveries('wh_nope')).toBeNull();
    expect(await h.service.deliveries('wh_nope', { limit: 10, cursor: '5' })).toBeNull();
  });

  it('refuses a limit outside 1..500 by name', async () => {
    const h = setup();
    const { endpoint } = await h.service.register({ url: URL });
    expect(MAX_DELIVERY_PAGE).toBe(500);
    expect(await thrown(h.service.deliveries(endpoint.id, { limit: 501 }))).toMatchObject({ field: 'limit', message: 'invalid limit: must be at most 500' });
    expect(await thrown(h.service.deliveries(endpoint.id, { limit: 0 }))).toMatchObject({ field: 'limit' });
    expect(await thrown(h.service.deliveries('', { limit: 10 }))).toMatchObject({ field: 'id' });
  });

  it('refuses any cursor it could not have returned, before looking the endpoint up', async () => {
    const h = setup();
    const { endpoint } = await h.service.register({ url: URL });
    const bad = ['', 'abc', '0', '01', '-1', '1.5', '1e3', ' 12', '12 ', '0x10', '9999999999999999', '12345678901234567'];
    for (const cursor of bad) {
      for (const id of [endpoint.id, 'wh_nope']) {
        const error = await thrown(h.service.deliveries(id, { cursor }));
        expect(error, JSON.stringify(cursor)).toBeInstanceOf(InvalidInputError);
        expect(error).toMatchObject({ field: 'cursor', message: 'invalid cursor: must be a cursor this API returned' });
      }
    }
    for (const cursor of ['1', '9', '10', '9007199254740991']) {
      expect(await h.service.deliveries(endpoint.id, { cursor }), cursor).toEqual({ deliveries: [], nextCursor: null });
    }
  });
});
