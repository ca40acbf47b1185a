import { afterEach, describe, expect, it } from 'vitest';
import type { SubscribeOptions } from '../../src/app/subscriptions-api.js';
import { StoreClosedError } from '../../src/app/subscriptions-api.js';
import { SubscriptionService } from '../../src/app/subscriptions.js';
import { MAX_TIMER_MS } from '../../src/app/validation.js';
import { ConfigurationError, EVENT_TYPES, InvalidInputError } from '../../src/domain/index.js';
import { recordingLogger } from '../support/memory.js';
import { ScriptedFeed } from '../support/scripted-feed.js';

// biome-ignore lint/suspicious/noExplicitAny: these are the options a JavaScript caller passes
type Any = any;
const handler = () => undefined;
const services: SubscriptionService[] = [];

function service(supportsTransactions = false) {
  const feed = new ScriptedFeed(supportsTransactions);
  const logger = recordingLogger();
  const subscriptions = new SubscriptionService(feed, logger);
  services.push(subscriptions);
  return { feed, logger, subscriptions };
}

/** What the subscription asked the feed for, given these options. */
function requestOf(options: Partial<SubscribeOptions> & Record<string, unknown>, supportsTransactions = false) {
  const { feed, subscriptions } = service(supportsTransactions);
  subscriptions.subscribe({ name: 'sub', handler, ...options } as Any);
  return feed.requests[0];
}

function refusal(call: () => unknown): InvalidInputError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('accepted');
}

const refused = (options: Record<string, unknown>, supportsTransactions = false) => {
  const { feed, logger, subscriptions } = service(supportsTransactions);
  const error = refusal(() => subscriptions.subscribe({ name: 'sub', handler, ...options } as Any));
  // Refused before it starts: nothing opened, nothing logged.
  expect(feed.requests).toEqual([]);
  expect(logger.lines).toEqual([]);
  return { field: error.field, problem: error.problem };
};

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

describe('SubscriptionService.subscribe: what it asks the feed for', () => {
  it('by default: the whole log, every type, durable, not transactional, batches of 100, a poll every second', async () => {
    const { feed, logger, subscriptions } = service();
    const sub = subscriptions.subscribe({ name: 'defaults', handler });
    expect(feed.requests).toEqual([{ name: 'defaults', startAfter: 0, types: null, transactional: false, durable: true }]);
    await sub.caughtUp();
    expect(feed.limits).toEqual([100]);
    expect(feed.waits).toEqual([{ since: 0, timeoutMs: 1000 }]);
    expect(logger.lines[0]).toEqual({ level: 'info', fields: { subscription: 'defaults', transactional: false }, message: 'subscription started' });
  });

  it("from: 'start' is the whole log, 'end' the current end, a position starts at that event", () => {
    expect(requestOf({ from: 'start' })?.startAfter).toBe(0);
    expect(requestOf({ from: undefined })?.startAfter).toBe(0);
    expect(requestOf({ from: 'end' })?.startAfter).toBe('end');
    expect(requestOf({ from: 1 })?.startAfter).toBe(0);
    expect(requestOf({ from: 2 })?.startAfter).toBe(1);
    expect(requestOf({ from: 250 })?.startAfter).toBe(249);
    expect(requestOf({ from: Number.MAX_SAFE_INTEGER })?.startAfter).toBe(Number.MAX_SAFE_INTEGER - 1);
  });

  it('from: anything else is refused, and the message says what it takes', () => {
    const problem = "must be 'start', 'end' or a position (a positive integer)";
    for (const from of [0, -3, 2.5, 2 ** 53, Number.POSITIVE_INFINITY, '5', 'START', 'End', true, {}]) {
      expect(refused({ from }), String(from)).toEqual({ field: 'from', problem });
    }
  });

  it('types: passed on without duplicates, in the order given', () => {
    expect(requestOf({ types: ['completed', 'failed', 'completed', 'failed'] })?.types).toEqual(['completed', 'failed']);
    expect(requestOf({ types: ['failed'] })?.types).toEqual(['failed']);
    expect(requestOf({ types: [...EVENT_TYPES] })?.types).toEqual([...EVENT_TYPES]);
  });

  it('types: an empty list or a non-list is refused as listing none, an unknown type by name', () => {
    expect(refused({ types: [] })).toEqual({ field: 'types', problem: 'must list at least one event type' });
    expect(refused({ types: 'created' })).toEqual({ field: 'types', problem: 'must list at least one event type' });
    expect(refused({ types: null })).toEqual({ field: 'types', problem: 'must list at least one event type' });
    expect(refused({ types: ['created', 'finished'] })).toEqual({ field: 'types', problem: 'unknown event type "finished"' });
    expect(refused({ types: [5] })).toEqual({ field: 'types', problem: 'unknown event type 5' });
  });

  it('batchSize: 1 to 10000 accepted and used as the read limit; past it or below 1 refused with the bound', async () => {
    for (const batchSize of [1, 10_000]) {
      const { feed, subscriptions } = service();
      await subscriptions.subscribe({ name: 'b', batchSize, handler }).caughtUp();
      expect(feed.limits).toEqual([batchSize]);
    }
    expect(refused({ batchSize: 10_001 })).toEqual({ field: 'batchSize', problem: 'must be at most 10000' });
    expect(refused({ batchSize: 0 })).toEqual({ field: 'batchSize', problem: 'must be a positive integer' });
  });

  it('maxAttempts: 1 to 1000 accepted; 1001 refused with the bound', () => {
    expect(requestOf({ maxAttempts: 1 })).toBeDefined();
    expect(requestOf({ maxAttempts: 1000 })).toBeDefined();
    expect(refused({ maxAttempts: 1001 })).toEqual({ field: 'maxAttempts', problem: 'must be at most 1000' });
    expect(refused({ maxAttempts: 0 })).toEqual({ field: 'maxAttempts', problem: 'must be a positive integer' });
    expect(refused({ maxAttempts: '3' })).toEqual({ field: 'maxAttempts', problem: 'must be a positive integer' });
  });

  it('retryDelayMs: 1 ms up to the longest timer accepted; 0 and past it refused', () => {
    expect(requestOf({ retryDelayMs: 1 })).toBeDefined();
    expect(requestOf({ retryDelayMs: MAX_TIMER_MS })).toBeDefined();
    expect(refused({ retryDelayMs: 0 })).toEqual({ field: 'retryDelayMs', problem: 'must be a positive integer of milliseconds' });
    expect(refused({ retryDelayMs: MAX_TIMER_MS + 1 })).toEqual({ field: 'retryDelayMs', problem: 'must be at most 2147483647 ms' });
  });

  it('pollIntervalMs: 1 ms up to the longest timer accepted and used as the wait; 0 and past it refused', async () => {
    for (const pollIntervalMs of [1, MAX_TIMER_MS]) {
      const { feed, subscriptions } = service();
      await subscriptions.subscribe({ name: 'p', pollIntervalMs, handler }).caughtUp();
      expect(feed.waits[0]?.timeoutMs).toBe(pollIntervalMs);
    }
    expect(refused({ pollIntervalMs: 0 })).toEqual({ field: 'pollIntervalMs', problem: 'must be a positive integer of milliseconds' });
    expect(refused({ pollIntervalMs: MAX_TIMER_MS + 1 })).toEqual({ field: 'pollIntervalMs', problem: 'must be at most 2147483647 ms' });
  });

  it('checkpoint: false is a tail (not durable), true or absent durable', () => {
    expect(requestOf({ checkpoint: false })).toMatchObject({ durable: false, transactional: false });
    expect(requestOf({ checkpoint: true })).toMatchObject({ durable: true, transactional: false });
    expect(requestOf({ transactional: false, checkpoint: false })).toMatchObject({ durable: false, transactional: false });
  });

  it('transactional: refused with a ConfigurationError on a store without transactions, whatever checkpoint says', () => {
    for (const checkpoint of [undefined, true, false]) {
      const { feed, subscriptions } = service(false);
      expect(() => subscriptions.subscribe({ name: 'tx', transactional: true, checkpoint, handler })).toThrow(
        new ConfigurationError('transactional subscriptions need a database store (PGlite or PostgreSQL)'),
      );
      expect(feed.requests).toEqual([]);
    }
  });

  it('transactional: on a store with transactions it is durable, and the handler gets the transaction', async () => {
    const { feed, logger, subscriptions } = service(true);
    const transactions: unknown[] = [];
    feed.append(1);
    const sub = subscriptions.subscribe({ name: 'tx', transactional: true, handler: (_events, { transaction }) => void transactions.push(transaction) });
    expect(feed.requests[0]).toMatchObject({ transactional: true, durable: true });
    await sub.caughtUp();
    expect(transactions).toEqual(['the-transaction']);
    expect(logger.lines[0]?.fields).toEqual({ subscription: 'tx', transactional: true });
    expect(requestOf({ transactional: true, checkpoint: true }, true)).toMatchObject({ transactional: true, durable: true });
  });

  it('transactional without a checkpoint is refused: the checkpoint is what it commits', () => {
    expect(refused({ transactional: true, checkpoint: false }, true)).toEqual({
      field: 'checkpoint',
      problem: 'a transactional subscription commits its checkpoint',
    });
  });

  it('the booleans take only true or false', () => {
    expect(refused({ transactional: 1 })).toEqual({ field: 'transactional', problem: 'must be true or false' });
    expect(refused({ checkpoint: 0 })).toEqual({ field: 'checkpoint', problem: 'must be true or false' });
  });
});

describe('SubscriptionService: names, stopAll and close', () => {
  it('refuses a second subscription under a running name, by name, and takes it again once that one stopped', async () => {
    const { feed, subscriptions } = service();
    const first = subscriptions.subscribe({ name: 'twice', handler });
    const error = refusal(() => subscriptions.subscribe({ name: 'twice', handler }));
    expect({ field: error.field, problem: error.problem }).toEqual({ field: 'name', problem: 'a subscription named twice is already running here' });
    expect(feed.requests).toHaveLength(1);
    const other = subscriptions.subscribe({ name: 'other', handler });
    await first.stop();
    const again = subscriptions.subscribe({ name: 'twice', handler });
    expect(feed.requests.map((r) => r.name)).toEqual(['twice', 'other', 'twice']);
    await Promise.all([other.stop(), again.stop()]);
  });

  it('frees the name of a subscription that gave up', async () => {
    const { feed, subscriptions } = service();
    feed.append(1);
    const failing = subscriptions.subscribe({
      name: 'gives-up',
      maxAttempts: 1,
      handler: () => {
        throw new Error('no');
      },
    });
    await expect(failing.done).rejects.toThrow('gives-up');
    expect(subscriptions.subscribe({ name: 'gives-up', handler }).name).toBe('gives-up');
  });

  it('stopAll() stops every running subscription and leaves the service open', async () => {
    const { feed, logger, subscriptions } = service();
    const a = subscriptions.subscribe({ name: 'a', pollIntervalMs: 60_000, handler });
    const b = subscriptions.subscribe({ name: 'b', pollIntervalMs: 60_000, handler });
    await Promise.all([a.caughtUp(), b.caughtUp()]);
    await subscriptions.stopAll();
    await expect(Promise.all([a.done, b.done])).resolves.toEqual([undefined, undefined]);
    expect(feed.closes).toBe(2);
    expect(logger.lines.filter((l) => l.message === 'subscription stopped').map((l) => l.fields.subscription)).toEqual(['a', 'b']);
    const c = subscriptions.subscribe({ name: 'a', handler });
    expect(c.name).toBe('a');
    await subscriptions.stopAll();
    await subscriptions.stopAll();
  });

  it('close() stops every subscription, then refuses new ones with StoreClosedError before looking at them', async () => {
    const { feed, subscriptions } = service();
    const a = subscriptions.subscribe({ name: 'a', pollIntervalMs: 60_000, handler });
    await a.caughtUp();
    await subscriptions.close();
    await expect(a.done).resolves.toBeUndefined();
    expect(() => subscriptions.subscribe({ name: 'late', handler })).toThrow(new StoreClosedError('the store is closed: no subscription can start on it'));
    expect(() => subscriptions.subscribe(null as Any)).toThrow(StoreClosedError);
    expect(feed.requests.map((r) => r.name)).toEqual(['a']);
  });
});
