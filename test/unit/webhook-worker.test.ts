import 'reflect-metadata';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/index.js';
import type { SubscribeOptions, SubscriptionHandle, Subscriptions } from '../../src/app/subscriptions-api.js';
import { MAX_TIMER_MS } from '../../src/app/validation.js';
import { WebhookWorker } from '../../src/app/webhook-worker.js';
import {
  DEFAULT_WEBHOOK_SETTINGS,
  type StoredWebhookEndpoint,
  type WebhookRequest,
  type WebhookResponse,
  type WebhookSettings,
} from '../../src/app/webhooks-api.js';
import { MemoryWebhookStore } from '../../src/adapters/memory/memory-webhook-store.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { type LogLine, recordingLogger } from '../support/memory.js';

// 2026-01-01T00:00:00.750Z: a timestamp header is whole seconds, rounded down.
const START = new Date('2026-01-01T00:00:00.750Z');
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const answered = (statusCode: number, durationMs = 12): WebhookResponse => ({ kind: 'answered', statusCode, durationMs });
const noAnswer = (error: string, durationMs = 30): WebhookResponse => ({ kind: 'no_answer', error, durationMs });

function event(position: number, type: StoredEvent['type'] = 'completed'): StoredEvent {
  return {
    type,
    delegationId: `d-${position}`,
    attempt: 2,
    fromStatus: 'in_progress',
    toStatus: 'completed',
    actor: 'agent:bot',
    occurredAt: new Date('2025-12-31T23:59:00.000Z'),
    data: { result: 'done' },
    version: 3,
    position,
  } as StoredEvent;
}

type Subscribed = { options: SubscribeOptions; stops: number; settle: { resolve: () => void; reject: (error: unknown) => void } };

/** Subscriptions whose handler the test calls itself: one event at a time, no polling, no checkpoint store. */
function fakeSubscriptions() {
  const subscribed: Subscribed[] = [];
  const subscriptions: Subscriptions = {
    subscribe(options) {
      let settle!: Subscribed['settle'];
      const done = new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
      done.catch(() => undefined);
      const entry: Subscribed = { options: options as SubscribeOptions, stops: 0, settle };
      subscribed.push(entry);
      const handle: SubscriptionHandle = {
        name: options.name,
        position: null,
        done,
        caughtUp: async () => 42,
        stop: async () => {
          entry.stops += 1;
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

type Answer = (n: number, request: WebhookRequest, abort: AbortSignal) => WebhookResponse | Promise<WebhookResponse>;

async function setup(options: { settings?: Partial<WebhookSettings>; answer?: Answer; random?: number[]; endpoint?: Partial<StoredWebhookEndpoint> } = {}) {
  const clock = new VirtualClock(START);
  const store = new MemoryWebhookStore();
  const endpoint: StoredWebhookEndpoint = {
    id: 'wh_1',
    url: 'https://example.org/hook',
    eventTypes: null,
    description: null,
    status: 'active',
    pausedReason: null,
    pausedAt: null,
    createdAt: START,
    updatedAt: START,
    secret: SECRET,
    ...options.endpoint,
  };
  await store.insertEndpoint(endpoint);
  const lines: LogLine[] = [];
  const requests: WebhookRequest[] = [];
  const signals: AbortSignal[] = [];
  const answer = options.answer ?? (() => answered(204));
  const sender = {
    send: async (request: WebhookRequest, abort: AbortSignal) => {
      requests.push(request);
      signals.push(abort);
      return answer(requests.length, request, abort);
    },
  };
  const draws = [...(options.random ?? [])];
  const random = { next: () => draws.shift() ?? 0.5 };
  const { subscriptions, subscribed } = fakeSubscriptions();
  const ends: { paused: boolean; error: unknown }[] = [];
  const settings = { ...DEFAULT_WEBHOOK_SETTINGS, ...options.settings };
  const worker = new WebhookWorker(
    endpoint,
    { subscriptions, store, sender, clock, timers: clock, logger: recordingLogger(lines), random, settings },
    (outcome) => ends.push(outcome),
  );
  const sub = subscribed[0] as Subscribed;
  /** Hands events to the worker as its subscription would; the handler's promise, observed. */
  const handle = (...events: StoredEvent[]) => {
    const call = Promise.resolve(sub.options.handler(events, { name: sub.options.name, attempt: 1, transaction: undefined }));
    const outcome = call.then(
      () => ({ ok: true as const, error: null }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    return outcome;
  };
  const log = async () => [...(await store.listDeliveries(endpoint.id, { limit: 1000, beforeId: null }))].reverse();
  const retries = () => lines.filter((line) => line.message === 'webhook delivery failed; retrying');
  return { clock, store, endpoint, lines, requests, signals, worker, sub, subscribed, ends, handle, log, retries };
}

/** Lets the worker's promise chain run (store writes, the sender, the wait's timer being set). */
async function settle(clock: VirtualClock): Promise<void> {
  for (let i = 0; i < 5; i += 1) await clock.advanceAsync(0);
}

describe('WebhookWorker: its subscription', () => {
  it('subscribes under the endpoint name from the end, one event per batch, retried by the subscription up to 1000 times', async () => {
    const all = await setup();
    expect(all.sub.options).toMatchObject({ name: 'webhook:wh_1', from: 'end', types: undefined, batchSize: 1, maxAttempts: 1000 });
    const filtered = await setup({ endpoint: { id: 'wh_2', eventTypes: ['completed', 'failed'] } });
    expect(filtered.sub.options).toMatchObject({ name: 'webhook:wh_2', types: ['completed', 'failed'] });
  });

  it('caughtUp() is the subscription’s; onEnd hears how the subscription ended', async () => {
    const h = await setup();
    expect(await h.worker.caughtUp()).toBe(42);
    const failure = new Error('store kept failing');
    h.sub.settle.reject(failure);
    await settle(h.clock);
    expect(h.ends).toEqual([{ paused: false, error: failure }]);

    const ok = await setup();
    ok.sub.settle.resolve();
    await settle(ok.clock);
    expect(ok.ends).toEqual([{ paused: false, error: null }]);
  });

  it('delivers every event of a batch, in order', async () => {
    const h = await setup();
    expect(await h.handle(event(5), event(6, 'failed'))).toEqual({ ok: true, error: null });
    expect(h.requests.map((r) => r.headers['webhook-id'])).toEqual(['evt_5', 'evt_6']);
  });
});

describe('WebhookWorker: one request', () => {
  it('posts the Standard Webhooks payload, signed, with the id, the timestamp in whole seconds and the request timeout', async () => {
    const h = await setup({ settings: { requestTimeoutMs: 2_500 } });
    await h.handle(event(7));
    const [request] = h.requests;
    expect(request?.url).toBe('https://example.org/hook');
    expect(request?.timeoutMs).toBe(2_500);
    expect(JSON.parse(request?.body ?? '')).toEqual({
      type: 'delegation.completed',
      timestamp: '2025-12-31T23:59:00.000Z',
      data: {
        position: 7,
        delegationId: 'd-7',
        version: 3,
        attempt: 2,
        eventType: 'completed',
        fromStatus: 'in_progress',
        toStatus: 'completed',
        actor: 'agent:bot',
        details: { result: 'done' },
      },
    });
    const timestamp = String(Math.floor(START.getTime() / 1000));
    expect(timestamp).toBe('1767225600');
    expect(request?.headers).toEqual({
      'content-type': 'application/json',
      'webhook-id': 'evt_7',
      'webhook-timestamp': timestamp,
      'webhook-signature': new Webhook(SECRET).sign('evt_7', START, request?.body ?? ''),
    });
    expect(request?.headers['webhook-signature']).toMatch(/^v1,/);
  });

  it('records a delivered attempt with every field', async () => {
    const h = await setup({ answer: () => answered(201, 17) });
    await h.handle(event(9, 'started'));
    const [record, ...more] = await h.log();
    expect(more).toEqual([]);
    expect(record).toEqual({
      id: expect.any(Number),
      endpointId: 'wh_1',
      webhookId: 'evt_9',
      eventPosition: 9,
      eventType: 'started',
      attempt: 1,
      outcome: 'delivered',
      statusCode: 201,
      error: null,
      durationMs: 17,
      attemptedAt: START,
    });
    expect(h.lines.filter((line) => line.level !== 'debug')).toEqual([]);
  });

  it('treats 200 and 299 as delivered; 199, 300, 399, 400 and 500 as failures, a 3xx named as a redirect not followed', async () => {
    const statuses = [200, 299, 199, 300, 399, 400, 500];
    const results: [number, string, string | null][] = [];
    for (const status of statuses) {
      const h = await setup({ answer: (n) => answered(n === 1 ? status : 204), settings: { initialRetryDelayMs: 1, maxRetryDelayMs: 1 } });
      const outcome = h.handle(event(1));
      await settle(h.clock);
      await h.clock.advanceAsync(1);
      await outcome;
      const [first] = await h.log();
      results.push([status, first?.outcome ?? '', first?.error ?? null]);
    }
    expect(results).toEqual([
      [200, 'delivered', null],
      [299, 'delivered', null],
      [199, 'failed', 'answered 199'],
      [300, 'failed', 'answered 300 (redirects are not followed)'],
      [399, 'failed', 'answered 399 (redirects are not followed)'],
      [400, 'failed', 'answered 400'],
      [500, 'failed', 'answered 500'],
    ]);
  });

  it('records an attempt that got no answer with no status code and the sender’s error', async () => {
    const h = await setup({ answer: (n) => (n === 1 ? noAnswer('request failed: ECONNREFUSED', 3) : answered(204)), settings: { initialRetryDelayMs: 10 } });
    const outcome = h.handle(event(4));
    await settle(h.clock);
    await h.clock.advanceAsync(10);
    expect(await outcome).toEqual({ ok: true, error: null });
    expect((await h.log()).map((d) => [d.attempt, d.outcome, d.statusCode, d.error, d.durationMs])).toEqual([
      [1, 'failed', null, 'request failed: ECONNREFUSED', 3],
      [2, 'delivered', 204, null, 12],
    ]);
  });

  it('keeps only the newest keepDeliveries attempts in the log', async () => {
    const h = await setup({ settings: { keepDeliveries: 2 } });
    await h.handle(event(1), event(2), event(3));
    expect((await h.log()).map((d) => d.eventPosition)).toEqual([2, 3]);
  });
});

describe('WebhookWorker: retries', () => {
  it('waits half the capped doubling delay plus a random share of the other half, logging each retry', async () => {
    const h = await setup({
      settings: { initialRetryDelayMs: 1_000, maxRetryDelayMs: 8_000, pauseAfterFailures: 100, pauseAfterMs: 10 * 3_600_000 },
      answer: (n) => (n <= 5 ? answered(503) : answered(204)),
      random: [0, 0.999, 0.25, 0.5, 0],
    });
    const outcome = h.handle(event(3));
    // cap 1000, 2000, 4000, 8000, 8000 (capped) -> 500 + 0, 1000 + 999, 2000 + 500, 4000 + 2000, 4000 + 0.
    const expected = [500, 1_999, 2_500, 6_000, 4_000];
    for (const [i, delay] of expected.entries()) {
      await settle(h.clock);
      expect(h.requests).toHaveLength(i + 1);
      await h.clock.advanceAsync(delay - 1);
      expect(h.requests).toHaveLength(i + 1);
      await h.clock.advanceAsync(1);
    }
    expect(await outcome).toEqual({ ok: true, error: null });
    expect(h.requests).toHaveLength(6);
    expect(h.retries().map((line) => line.fields.retryInMs)).toEqual(expected);
    expect(h.retries()[1]).toEqual({
      level: 'info',
      message: 'webhook delivery failed; retrying',
      fields: { endpointId: 'wh_1', position: 3, attempt: 2, failures: 2, error: 'answered 503', retryInMs: 1_999 },
    });
    // Every attempt under one webhook-id, numbered, stamped with the time it was made.
    const log = await h.log();
    expect(log.map((d) => [d.webhookId, d.attempt, d.attemptedAt.getTime() - START.getTime()])).toEqual([
      ['evt_3', 1, 0],
      ['evt_3', 2, 500],
      ['evt_3', 3, 2_499],
      ['evt_3', 4, 4_999],
      ['evt_3', 5, 10_999],
      ['evt_3', 6, 14_999],
    ]);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('never waits longer than a timer can: the doubling stops at 2^30 times the first delay, and MAX_TIMER_MS caps it', async () => {
    const huge = await setup({
      settings: { initialRetryDelayMs: MAX_TIMER_MS + 1_000, maxRetryDelayMs: 10 * MAX_TIMER_MS, pauseAfterFailures: 2 },
      answer: () => answered(500),
      random: [0.999999999],
    });
    void huge.handle(event(1));
    await settle(huge.clock);
    expect(huge.retries()[0]?.fields.retryInMs).toBe(Math.round(MAX_TIMER_MS / 2 + 0.999999999 * (MAX_TIMER_MS / 2)));

    // From 1 ms: 32 failures in a row would double to 2^31 ms; the exponent stops at 30.
    const h = await setup({
      settings: { initialRetryDelayMs: 1, maxRetryDelayMs: 10 * MAX_TIMER_MS, pauseAfterFailures: 1_000, pauseAfterMs: 1e15 },
      answer: () => answered(500),
      random: Array(40).fill(0),
    });
    void h.handle(event(1));
    for (let i = 0; i < 33; i += 1) {
      await settle(h.clock);
      const last = h.retries().at(-1)?.fields.retryInMs as number;
      await h.clock.advanceAsync(last);
    }
    const delays = h.retries().map((line) => line.fields.retryInMs);
    expect(delays.slice(0, 4)).toEqual([1, 1, 2, 4]);
    expect(delays.slice(30, 33)).toEqual([2 ** 29, 2 ** 29, 2 ** 29]);
    await h.worker.stop();
  });

  it('starts counting afresh after a success: the failures in a row and the failing window', async () => {
    const h = await setup({
      settings: { initialRetryDelayMs: 1_000, maxRetryDelayMs: 1_000, pauseAfterFailures: 3, pauseAfterMs: 3_000 },
      random: Array(20).fill(0.999999),
      answer: (n) => (n === 3 ? answered(204) : answered(500)),
    });
    const first = h.handle(event(1));
    await settle(h.clock);
    await h.clock.advanceAsync(1_000);
    await settle(h.clock);
    await h.clock.advanceAsync(1_000);
    expect(await first).toEqual({ ok: true, error: null });
    // Long after: the next event's first failure neither counts the two before nor the time since them.
    await h.clock.advanceAsync(60_000);
    const second = h.handle(event(2));
    await settle(h.clock);
    expect(h.retries().at(-1)?.fields).toMatchObject({ position: 2, attempt: 1, failures: 1 });
    expect((await h.store.loadEndpoint('wh_1'))?.status).toBe('active');
    await h.clock.advanceAsync(1_000);
    await settle(h.clock);
    await h.clock.advanceAsync(1_000);
    const outcome = await second;
    expect(outcome.ok).toBe(false);
    expect((await h.store.loadEndpoint('wh_1'))?.pausedReason).toBe('3 failed attempts in a row; last: answered 500');
  });
});

describe('WebhookWorker: pausing', () => {
  it('pauses after exactly pauseAfterFailures failures: records why, warns, stops its subscription, keeps the checkpoint before the event', async () => {
    const h = await setup({
      settings: { initialRetryDelayMs: 100, maxRetryDelayMs: 100, pauseAfterFailures: 3 },
      random: [0.2, 0.6],
      answer: () => noAnswer('timed out after 10000 ms'),
    });
    const outcome = h.handle(event(8));
    await settle(h.clock);
    await h.clock.advanceAsync(100);
    await settle(h.clock);
    await h.clock.advanceAsync(100);
    const result = await outcome;
    expect(h.requests).toHaveLength(3);
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ name: 'DeliveryHalted', message: 'endpoint wh_1 paused' });
    const reason = '3 failed attempts in a row; last: timed out after 10000 ms';
    const stored = await h.store.loadEndpoint('wh_1');
    expect(stored).toMatchObject({ status: 'paused', pausedReason: reason });
    // Paused at the time of the last attempt: waits of 50 + 10 and 50 + 30 ms after the first.
    expect(stored?.pausedAt?.getTime()).toBe(START.getTime() + 140);
    expect(h.lines.filter((line) => line.level === 'warn')).toEqual([
      { level: 'warn', message: 'webhook endpoint paused: it keeps failing', fields: { endpointId: 'wh_1', position: 8, attempt: 3, failures: 3, reason } },
    ]);
    expect(h.retries()).toHaveLength(2);
    expect(h.sub.stops).toBe(1);
    await settle(h.clock);
    expect(h.ends).toEqual([{ paused: true, error: null }]);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('pauses once failing for pauseAfterMs since the first failure, the reason in whole seconds (rounded)', async () => {
    const h = await setup({
      settings: { initialRetryDelayMs: 1_300, maxRetryDelayMs: 1_300, pauseAfterFailures: 1_000, pauseAfterMs: 2_600 },
      random: Array(10).fill(0.9999999),
      answer: () => answered(502),
    });
    const outcome = h.handle(event(2));
    await settle(h.clock);
    await h.clock.advanceAsync(1_300);
    await settle(h.clock);
    // 1300 ms of failing: not yet.
    expect(await h.store.loadEndpoint('wh_1')).toMatchObject({ status: 'active' });
    await h.clock.advanceAsync(1_300);
    // 2600 ms: exactly the window.
    expect((await outcome).ok).toBe(false);
    expect(h.requests).toHaveLength(3);
    expect((await h.store.loadEndpoint('wh_1'))?.pausedReason).toBe('failing for 3 s; last: answered 502');
  });

  it('pauses at the first 410 Gone, whatever the thresholds', async () => {
    const h = await setup({ settings: { pauseAfterFailures: 1_000 }, answer: () => answered(410) });
    const result = await h.handle(event(1));
    expect(result.ok).toBe(false);
    expect(h.requests).toHaveLength(1);
    const reason = 'the receiver answered 410 (Gone): it asks for no more deliveries';
    expect((await h.store.loadEndpoint('wh_1'))?.pausedReason).toBe(reason);
    expect(h.lines.find((line) => line.level === 'warn')?.fields).toEqual({ endpointId: 'wh_1', position: 1, attempt: 1, failures: 1, reason });
    expect((await h.log()).map((d) => [d.outcome, d.statusCode, d.error])).toEqual([['failed', 410, 'answered 410']]);
  });

  it('does not pause an endpoint below both thresholds', async () => {
    const h = await setup({
      settings: { initialRetryDelayMs: 100, maxRetryDelayMs: 100, pauseAfterFailures: 2, pauseAfterMs: 1_000 },
      answer: (n) => (n === 1 ? answered(500) : answered(204)),
    });
    const outcome = h.handle(event(1));
    await settle(h.clock);
    await h.clock.advanceAsync(100);
    expect(await outcome).toEqual({ ok: true, error: null });
    expect((await h.store.loadEndpoint('wh_1'))?.status).toBe('active');
    expect(h.sub.stops).toBe(0);
  });
});

describe('WebhookWorker: stop()', () => {
  it('ends a retry wait at once; nothing more is sent or recorded and the handler ends without pausing', async () => {
    const h = await setup({ settings: { initialRetryDelayMs: 3_600_000, maxRetryDelayMs: 3_600_000 }, answer: () => answered(500) });
    const outcome = h.handle(event(1));
    await settle(h.clock);
    expect(h.clock.pendingTimers).toBe(1);
    await h.worker.stop();
    expect(h.clock.pendingTimers).toBe(0);
    const result = await outcome;
    expect(result.error).toMatchObject({ name: 'DeliveryHalted', message: 'deliveries are stopping' });
    expect(h.requests).toHaveLength(1);
    expect(await h.log()).toHaveLength(1);
    expect(h.sub.stops).toBe(1);
    expect((await h.store.loadEndpoint('wh_1'))?.status).toBe('active');
  });

  it('aborts the request in progress and records nothing for it', async () => {
    const h = await setup({
      answer: (_n, _request, abort) => new Promise((resolve) => abort.addEventListener('abort', () => resolve(noAnswer('aborted')), { once: true })),
    });
    const outcome = h.handle(event(1));
    await settle(h.clock);
    expect(h.signals[0]?.aborted).toBe(false);
    await h.worker.stop();
    expect(h.signals[0]?.aborted).toBe(true);
    expect((await outcome).error).toMatchObject({ name: 'DeliveryHalted', message: 'deliveries are stopping' });
    expect(await h.log()).toEqual([]);
    expect(h.lines.filter((line) => line.level !== 'debug')).toEqual([]);
  });

  it('sends nothing for an event handed over after stop()', async () => {
    const h = await setup();
    await h.worker.stop();
    const result = await h.handle(event(1));
    expect(result.error).toMatchObject({ name: 'DeliveryHalted', message: 'deliveries are stopping' });
    expect(h.requests).toEqual([]);
  });
});
