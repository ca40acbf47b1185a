import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BatchContext, SubscribeOptions, SubscriptionHandle } from '../../src/app/subscriptions-api.js';
import { SubscriptionFailedError } from '../../src/app/subscriptions-api.js';
import { SubscriptionService } from '../../src/app/subscriptions.js';
import { MAX_TIMER_MS } from '../../src/app/validation.js';
import type { StoredEvent } from '../../src/domain/index.js';
import { recordingLogger } from '../support/memory.js';
import { ScriptedFeed } from '../support/scripted-feed.js';

type Call = { readonly at: number; readonly positions: number[]; readonly context: BatchContext<unknown> };

let services: SubscriptionService[] = [];

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(async () => {
  const open = services;
  services = [];
  await Promise.all(open.map((s) => s.close()));
  vi.useRealTimers();
});

/** A subscription on a scripted feed; `fail` says which calls throw. */
function start(options: Partial<SubscribeOptions> & { fail?: (positions: number[], call: number) => boolean }, feed = new ScriptedFeed()) {
  const logger = recordingLogger();
  const subscriptions = new SubscriptionService(feed, logger);
  services.push(subscriptions);
  const calls: Call[] = [];
  const { fail, ...rest } = options;
  const sub = subscriptions.subscribe({
    name: 'sub',
    ...rest,
    handler:
      rest.handler ??
      ((events: readonly StoredEvent[], context: BatchContext<unknown>) => {
        const positions = events.map((event) => event.position);
        calls.push({ at: Date.now(), positions, context });
        if (fail?.(positions, calls.length)) throw new Error(`handler failed at ${positions[0]}`);
      }),
  });
  return { sub, feed, logger, calls, subscriptions };
}

/** Lets the loop run what it can without time passing. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await vi.advanceTimersByTimeAsync(0);
}

function outcomeOf(sub: SubscriptionHandle): Promise<unknown> {
  return sub.done.then(
    () => 'resolved',
    (error: unknown) => error,
  );
}

describe('a subscription reading its batches', () => {
  it('has its name, no position before its first read, then the checkpoint; done settles only on stop, logged with the position', async () => {
    const feed = new ScriptedFeed();
    feed.append(1, 2, 3);
    const { sub, logger } = start({ name: 'life', pollIntervalMs: 5000 }, feed);
    expect(sub.name).toBe('life');
    expect(sub.position).toBeNull();
    let settled = false;
    void sub.done.then(() => (settled = true));
    await flush();
    expect(sub.position).toBe(3);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(settled).toBe(false);
    await sub.stop();
    expect(settled).toBe(true);
    expect(feed.closes).toBe(1);
    expect(logger.lines).toEqual([
      { level: 'info', fields: { subscription: 'life', transactional: false }, message: 'subscription started' },
      { level: 'info', fields: { subscription: 'life', position: 3 }, message: 'subscription stopped' },
    ]);
  });

  it('hands each batch with its name, attempt 1 and no transaction, and reads the next full batch at once', async () => {
    const feed = new ScriptedFeed();
    feed.append(1, 2, 3, 4, 5);
    const { calls } = start({ batchSize: 2, pollIntervalMs: 5000 }, feed);
    await flush();
    expect(calls.map((c) => c.positions)).toEqual([[1, 2], [3, 4], [5]]);
    expect(calls.map((c) => c.at)).toEqual([0, 0, 0]);
    expect(calls.map((c) => c.context)).toEqual(Array(3).fill({ name: 'sub', attempt: 1, transaction: null }));
    // No wait between full batches: one wait, once a read came back short.
    expect(feed.limits).toEqual([2, 2, 2]);
    expect(feed.waits).toEqual([{ since: 1, timeoutMs: 5000 }]);
  });

  it('waits after a batch that was exactly full only once the next read finds nothing', async () => {
    const feed = new ScriptedFeed();
    feed.append(1, 2, 3, 4);
    const { calls } = start({ batchSize: 2, pollIntervalMs: 5000 }, feed);
    await flush();
    expect(calls.map((c) => c.positions)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(feed.waits).toHaveLength(1);
  });

  it('is woken by an append at once, and otherwise reads again after exactly pollIntervalMs', async () => {
    const feed = new ScriptedFeed();
    const { sub, calls } = start({ pollIntervalMs: 5000 }, feed);
    await flush();
    expect(feed.limits).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    feed.append(1);
    await flush();
    expect(calls.map((c) => [c.at, c.positions])).toEqual([[100, [1]]]);
    expect(sub.position).toBe(1);
    const reads = feed.limits.length;
    await vi.advanceTimersByTimeAsync(4999);
    expect(feed.limits).toHaveLength(reads);
    await vi.advanceTimersByTimeAsync(1);
    expect(feed.limits).toHaveLength(reads + 1);
  });

  it('waits from the mark taken before its read: an append during the batch is read at once', async () => {
    const feed = new ScriptedFeed();
    feed.append(1);
    const logger = recordingLogger();
    const subscriptions = new SubscriptionService(feed, logger);
    services.push(subscriptions);
    const seen: number[] = [];
    subscriptions.subscribe({
      name: 'racing',
      pollIntervalMs: 60_000,
      handler: (events) => {
        seen.push(...events.map((e) => e.position));
        if (seen.length === 1) feed.append(2);
      },
    });
    await flush();
    expect(seen).toEqual([1, 2]);
    expect(feed.waits[0]).toEqual({ since: 1, timeoutMs: 60_000 });
  });
});

describe('a failing handler', () => {
  it('is tried 5 times by default, 200 ms apart doubling, then the subscription stops with SubscriptionFailedError', async () => {
    const feed = new ScriptedFeed();
    feed.append(7);
    const { sub, calls, logger } = start({ name: 'poison', fail: () => true }, feed);
    const outcome = outcomeOf(sub);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.map((c) => c.at)).toEqual([0, 200, 600, 1400, 3000]);
    expect(calls.map((c) => c.context.attempt)).toEqual([1, 2, 3, 4, 5]);
    const error = await outcome;
    expect(error).toBeInstanceOf(SubscriptionFailedError);
    expect(error).toMatchObject({ subscription: 'poison', position: 7, attempts: 5 });
    expect((error as Error).message).toBe('subscription poison stopped: its handler failed 5 times at position 7 (handler failed at 7)');
    expect(((error as Error).cause as Error).message).toBe('handler failed at 7');
    expect(sub.position).toBeNull();
    expect(feed.closes).toBe(1);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.message)).toEqual([
      ...Array(5).fill('subscription handler failed; the checkpoint stays before this position'),
      'subscription stopped: its handler keeps failing',
    ]);
    errors.slice(0, 5).forEach((line, i) => {
      expect(line.fields).toEqual({ subscription: 'poison', position: 7, lastPosition: 7, events: 1, attempt: i + 1, err: expect.any(Error) });
      expect((line.fields.err as Error).message).toBe('handler failed at 7');
    });
    expect(errors[5]?.fields).toEqual({ subscription: 'poison', position: 7, lastPosition: 7, events: 1, attempt: 5, err: error });
    expect(logger.lines.some((l) => l.message === 'subscription stopped')).toBe(false);
  });

  it('with maxAttempts 1 gives up on the first failure, without a pause', async () => {
    const feed = new ScriptedFeed();
    feed.append(1);
    const { sub, calls } = start({ maxAttempts: 1, fail: () => true }, feed);
    const outcome = outcomeOf(sub);
    await flush();
    expect(await outcome).toMatchObject({ attempts: 1, position: 1 });
    expect(calls).toHaveLength(1);
  });

  it('pauses retryDelayMs, doubled each time, up to 30 s', async () => {
    const a = new ScriptedFeed();
    a.append(1);
    const short = start({ name: 'short', maxAttempts: 3, retryDelayMs: 50, fail: () => true }, a);
    const b = new ScriptedFeed();
    b.append(1);
    const long = start({ name: 'long', maxAttempts: 4, retryDelayMs: 20_000, fail: () => true }, b);
    const outcomes = Promise.all([outcomeOf(short.sub), outcomeOf(long.sub)]);
    await vi.advanceTimersByTimeAsync(200_000);
    expect(short.calls.map((c) => c.at)).toEqual([0, 50, 150]);
    expect(long.calls.map((c) => c.at)).toEqual([0, 20_000, 50_000, 80_000]);
    expect(await outcomes).toMatchObject([{ attempts: 3 }, { attempts: 4 }]);
  });

  it('retries a failed batch one event at a time, up to its last event, then reads full batches again', async () => {
    const feed = new ScriptedFeed();
    feed.append(1, 2, 3, 4, 5, 6, 7, 8);
    const { sub, calls, logger } = start({ batchSize: 4, fail: (_positions, call) => call === 1 }, feed);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.map((c) => c.positions)).toEqual([[1, 2, 3, 4], [1], [2], [3], [4], [5, 6, 7, 8]]);
    expect(calls.map((c) => c.at)).toEqual([0, 200, 200, 200, 200, 200]);
    // The first event of a failed batch is on its second delivery; the others on their first alone.
    expect(calls.map((c) => c.context.attempt)).toEqual([1, 2, 1, 1, 1, 1]);
    expect(sub.position).toBe(8);
    const failed = logger.lines.filter((l) => l.level === 'error');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.fields).toEqual({ subscription: 'sub', position: 1, lastPosition: 4, events: 4, attempt: 1, err: expect.any(Error) });
  });

  it('counts the attempts of the event that fails alone, and stops before it with the checkpoint on the one before', async () => {
    const feed = new ScriptedFeed();
    feed.append(1, 2, 3, 4, 5, 6, 7, 8);
    const { sub, calls, logger } = start({ batchSize: 4, maxAttempts: 3, fail: (positions) => positions.includes(3) }, feed);
    const outcome = outcomeOf(sub);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.map((c) => c.positions)).toEqual([[1, 2, 3, 4], [1], [2], [3], [3], [3]]);
    expect(calls.map((c) => c.at)).toEqual([0, 200, 200, 200, 400, 800]);
    expect(calls.map((c) => c.context.attempt)).toEqual([1, 2, 1, 1, 2, 3]);
    expect(await outcome).toMatchObject({ position: 3, attempts: 3 });
    expect(sub.position).toBe(2);
    const failed = logger.lines.filter((l) => l.level === 'error').map((l) => [l.fields.position, l.fields.lastPosition, l.fields.events, l.fields.attempt]);
    expect(failed).toEqual([
      [1, 4, 4, 1],
      [3, 3, 1, 1],
      [3, 3, 1, 2],
      [3, 3, 1, 3],
      [3, 3, 1, 3],
    ]);
  });

  it('stop() during the pause before a retry ends it at once and leaves no timer behind', async () => {
    const feed = new ScriptedFeed();
    feed.append(1);
    const { sub, calls, logger } = start({ retryDelayMs: 10_000, fail: () => true }, feed);
    await flush();
    expect(calls).toHaveLength(1);
    let stopped = false;
    const stopping = sub.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(true);
    await stopping;
    expect(Date.now()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await expect(sub.done).resolves.toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(logger.lines.at(-1)).toEqual({ level: 'info', fields: { subscription: 'sub', position: null }, message: 'subscription stopped' });
  });

  it('cut short by stop() is not a failure: logged at debug, no retry, done resolves', async () => {
    const feed = new ScriptedFeed();
    feed.append(1, 2);
    let cut: (error: Error) => void = () => undefined;
    const { sub, logger } = start({ name: 'cut', handler: () => new Promise<void>((_, reject) => (cut = reject)) }, feed);
    await flush();
    const stopping = sub.stop();
    const cause = new Error('delivery abandoned');
    cut(cause);
    await stopping;
    await expect(sub.done).resolves.toBeUndefined();
    expect(sub.position).toBeNull();
    expect(logger.lines.filter((l) => l.level !== 'info')).toEqual([
      { level: 'debug', fields: { subscription: 'cut', position: 1, err: cause }, message: 'subscription handler ended by stop' },
    ]);
    expect(logger.lines.at(-1)?.message).toBe('subscription stopped');
  });
});

describe('a store that fails to read or checkpoint', () => {
  it('is retried without limit, with a warning counting the outages and the same backoff, capped at 30 s', async () => {
    const feed = new ScriptedFeed();
    feed.append(1);
    const failures = Array.from({ length: 10 }, (_, i) => new Error(`down ${i + 1}`));
    feed.readFailures.push(...failures);
    const { sub, calls, logger } = start({ maxAttempts: 1 }, feed);
    await vi.advanceTimersByTimeAsync(200_000);
    const pauses = [200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000];
    expect(calls.map((c) => c.at)).toEqual([pauses.reduce((a, b) => a + b)]);
    expect(calls[0]?.context.attempt).toBe(1);
    expect(sub.position).toBe(1);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.message)).toEqual(Array(10).fill('subscription could not read or checkpoint; retrying'));
    expect(warnings.map((l) => l.fields)).toEqual(failures.map((err, i) => ({ subscription: 'sub', position: null, attempt: i + 1, err })));
    expect(logger.lines.some((l) => l.level === 'error')).toBe(false);
  });

  it('a long outage leaves no listener behind per retry (no MaxListenersExceededWarning on the process)', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const feed = new ScriptedFeed();
      feed.append(1);
      feed.readFailures.push(...Array.from({ length: 15 }, () => new Error('down')));
      const { sub } = start({ retryDelayMs: 1 }, feed);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(sub.position).toBe(1);
      await new Promise<void>((resolve) => process.nextTick(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('counts outages afresh after a read that worked, and logs the checkpoint it stays at', async () => {
    const feed = new ScriptedFeed();
    feed.append(1);
    const { calls, logger } = start({ pollIntervalMs: 60_000 }, feed);
    await flush();
    feed.readFailures.push(new Error('down'), new Error('down'));
    feed.append(2);
    await vi.advanceTimersByTimeAsync(600);
    feed.readFailures.push(new Error('down again'));
    feed.append(3);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls.map((c) => [c.at, c.positions])).toEqual([
      [0, [1]],
      [600, [2]],
      [800, [3]],
    ]);
    const warnings = logger.lines.filter((l) => l.level === 'warn').map((l) => [l.fields.position, l.fields.attempt]);
    expect(warnings).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
  });

  it('a read that fails because stop() came is not warned about', async () => {
    const feed = new ScriptedFeed();
    let release: () => void = () => undefined;
    feed.readGate = new Promise((resolve) => (release = resolve));
    feed.readFailures.push(new Error('connection closed'));
    const { sub, logger } = start({}, feed);
    await flush();
    const stopping = sub.stop();
    release();
    await stopping;
    await expect(sub.done).resolves.toBeUndefined();
    expect(logger.lines.map((l) => l.message)).toEqual(['subscription started', 'subscription stopped']);
  });
});

describe('positions still in flight (unsettled)', () => {
  it('asks again after 10 ms, doubling while nothing arrives, up to 2^16 times that, and never past the poll interval', async () => {
    const feed = new ScriptedFeed();
    feed.unsettled = true;
    start({ pollIntervalMs: MAX_TIMER_MS }, feed);
    await flush();
    while (feed.waits.length < 19) await vi.advanceTimersByTimeAsync(feed.waits.at(-1)?.timeoutMs ?? 0);
    const doubling = Array.from({ length: 17 }, (_, i) => 10 * 2 ** i);
    expect(feed.waits.map((w) => w.timeoutMs)).toEqual([...doubling, 655_360, 655_360]);

    const capped = new ScriptedFeed();
    capped.unsettled = true;
    start({ name: 'capped', pollIntervalMs: 35 }, capped);
    await vi.advanceTimersByTimeAsync(10 + 20 + 35 + 35);
    expect(capped.waits.map((w) => w.timeoutMs)).toEqual([10, 20, 35, 35, 35]);
  });

  it('starts again from 10 ms after a read that delivered something, and waits the poll interval once settled', async () => {
    const feed = new ScriptedFeed();
    feed.unsettled = true;
    start({ pollIntervalMs: 5000 }, feed);
    await vi.advanceTimersByTimeAsync(10 + 20);
    expect(feed.waits.map((w) => w.timeoutMs)).toEqual([10, 20, 40]);
    feed.append(1);
    await flush();
    await vi.advanceTimersByTimeAsync(10 + 10);
    expect(feed.waits.map((w) => w.timeoutMs)).toEqual([10, 20, 40, 10, 10, 20]);
    feed.unsettled = false;
    await vi.advanceTimersByTimeAsync(20);
    expect(feed.waits.at(-1)?.timeoutMs).toBe(5000);
  });
});

describe('caughtUp()', () => {
  it('waits for a read that found no full batch and resolves with its checkpoint; at once while nothing was appended since', async () => {
    const feed = new ScriptedFeed();
    feed.append(1, 2, 3);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { sub } = start({ pollIntervalMs: 60_000, handler: () => gate }, feed);
    let first: number | null = null;
    void sub.caughtUp().then((position) => (first = position));
    await flush();
    expect(first).toBeNull();
    release();
    await flush();
    expect(first).toBe(3);
    let again: number | null = null;
    void sub.caughtUp().then((position) => (again = position));
    await vi.advanceTimersByTimeAsync(0);
    expect(again).toBe(3);
    // Appended since the last read: not caught up until a read has seen it.
    feed.append(4);
    await expect(sub.caughtUp()).resolves.toBe(4);
  });

  it('resolves with the position when the subscription stops first, rejects when it gave up', async () => {
    const feed = new ScriptedFeed();
    feed.append(1, 2);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { sub } = start({ name: 'stopped', batchSize: 1, handler: () => gate }, feed);
    await flush();
    const caughtUp = sub.caughtUp();
    const stopping = sub.stop();
    release();
    await stopping;
    await expect(caughtUp).resolves.toBe(1);

    // Stopped before any read worked: 0, the position of an empty log.
    const down = new ScriptedFeed();
    down.readFailures.push(new Error('down'));
    const never = start({ name: 'never' }, down);
    await flush();
    const nothing = never.sub.caughtUp();
    await never.sub.stop();
    await expect(nothing).resolves.toBe(0);

    const failing = new ScriptedFeed();
    failing.append(1);
    const { sub: gaveUp } = start({ name: 'gave-up', maxAttempts: 1, fail: () => true }, failing);
    await expect(gaveUp.caughtUp()).rejects.toBeInstanceOf(SubscriptionFailedError);
  });
});
