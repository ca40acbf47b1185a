import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { PruneOptions } from '../../src/app/ledger-api.js';
import type { DelegationStore, PruneBatch, PruneCursor, PruneSurvey, TimerHandle, Timers } from '../../src/app/ports.js';
import { MAX_PRUNE_BATCH, prune } from '../../src/app/retention.js';
import { MAX_DURATION_MS } from '../../src/app/validation.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { InvalidInputError } from '../../src/domain/index.js';
import { HOUR, memoryHarness, recordingLogger, T0, type Harness } from '../support/memory.js';

const harnesses: Harness[] = [];

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function ledgerWithHistory(): Promise<Harness & { logger: ReturnType<typeof recordingLogger> }> {
  const logger = recordingLogger();
  const h = await memoryHarness({ logger });
  harnesses.push(h);
  for (const id of ['old-1', 'old-2']) {
    await h.ledger.create({ delegationId: id, callerId: 'c', calleeId: 'a', task: 't' });
    await h.ledger.setStatus(id, 'completed', { resultPreview: 'ok' });
  }
  h.clock.advance(2 * HOUR);
  logger.lines.length = 0;
  return Object.assign(h, { logger });
}

async function refusal(h: Harness, options: unknown): Promise<InvalidInputError> {
  const error = await h.ledger.prune(options as PruneOptions).catch((e: unknown) => e);
  expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
}

describe('prune options at their bounds', () => {
  it('accepts a horizon of exactly MAX_DURATION_MS and refuses one past it, the message giving the limit', async () => {
    const h = await ledgerWithHistory();
    // A century back is before anything here: nothing is due, nothing goes.
    await expect(h.ledger.prune({ olderThanMs: MAX_DURATION_MS })).resolves.toMatchObject({ delegationsDeleted: 0 });
    const error = await refusal(h, { olderThanMs: MAX_DURATION_MS + 1 });
    expect(error.field).toBe('olderThanMs');
    expect(error.message).toContain(`at most ${MAX_DURATION_MS}`);
    expect(error.message).toContain('positive integer of milliseconds');
    expect((await refusal(h, { olderThanMs: '3600000' })).field).toBe('olderThanMs');
    expect(await h.ledger.get('old-1')).not.toBeNull();
  });

  it('accepts a batch of exactly MAX_PRUNE_BATCH and refuses one past it, the message giving the limit', async () => {
    const h = await ledgerWithHistory();
    await expect(h.ledger.prune({ olderThanMs: HOUR, batchSize: MAX_PRUNE_BATCH, restRatio: 0 })).resolves.toMatchObject({
      delegationsDeleted: 2,
      batches: 1,
    });
    const error = await refusal(h, { olderThanMs: HOUR, batchSize: MAX_PRUNE_BATCH + 1 });
    expect(error.field).toBe('batchSize');
    expect(error.message).toContain(`must be a positive integer, at most ${MAX_PRUNE_BATCH}`);
    expect((await refusal(h, { olderThanMs: HOUR, batchSize: '10' })).field).toBe('batchSize');
    expect((await refusal(h, { olderThanMs: HOUR, batchSize: 2.5 })).field).toBe('batchSize');
  });

  it('accepts a rest ratio of 0 and of exactly 100, refuses 100.5 and a string, the message giving the range', async () => {
    const h = await ledgerWithHistory();
    await expect(h.ledger.prune({ olderThanMs: HOUR, restRatio: 0 })).resolves.toMatchObject({ delegationsDeleted: 2 });
    await expect(h.ledger.prune({ olderThanMs: HOUR, restRatio: 100 })).resolves.toMatchObject({ delegationsDeleted: 0 });
    const error = await refusal(h, { olderThanMs: HOUR, restRatio: 100.5 });
    expect(error.field).toBe('restRatio');
    expect(error.message).toContain('must be a number from 0 to 100');
    expect((await refusal(h, { olderThanMs: HOUR, restRatio: '1' })).field).toBe('restRatio');
  });

  it('refuses a dryRun that is not a boolean and a signal that is not an AbortSignal, saying what each must be', async () => {
    const h = await ledgerWithHistory();
    const dryRun = await refusal(h, { olderThanMs: HOUR, dryRun: 'yes' });
    expect(dryRun.field).toBe('dryRun');
    expect(dryRun.message).toContain('must be a boolean');
    for (const signal of [{ aborted: false }, 'stop', new AbortController()]) {
      const error = await refusal(h, { olderThanMs: HOUR, signal });
      expect(error.field).toBe('signal');
      expect(error.message).toContain('must be an AbortSignal');
    }
    expect(await h.ledger.get('old-1')).not.toBeNull();
    expect(await h.ledger.get('old-2')).not.toBeNull();
  });
});

describe('what a prune returns and logs', () => {
  it('reports wouldDelete on a dry run only, and logs each prune at info with its horizon and tally', async () => {
    const h = await ledgerWithHistory();
    const horizon = new Date(h.clock.now().getTime() - HOUR).toISOString();
    const survey = await h.ledger.prune({ olderThanMs: HOUR, dryRun: true });
    expect(survey).toMatchObject({ dryRun: true, delegationsDeleted: 0, batches: 0, wouldDelete: { delegations: 2, events: 4 }, heldBackBy: null });
    const real = await h.ledger.prune({ olderThanMs: HOUR, restRatio: 0 });
    expect(real).toMatchObject({ dryRun: false, delegationsDeleted: 2, eventsDeleted: 4, batches: 1, wouldDelete: null, heldBackBy: null, aborted: false });
    expect(h.logger.lines).toEqual([
      {
        level: 'info',
        message: 'delegations pruned',
        fields: { horizon, dryRun: true, delegationsDeleted: 0, eventsDeleted: 0, batches: 0, wouldDelete: { delegations: 2, events: 4 }, aborted: false },
      },
      {
        level: 'info',
        message: 'delegations pruned',
        fields: { horizon, dryRun: false, delegationsDeleted: 2, eventsDeleted: 4, batches: 1, wouldDelete: null, aborted: false },
      },
    ]);
  });

  it('warns, naming the subscriptions, when subscriptions behind the horizon hold rows back', async () => {
    const held = [{ subscription: 'notifier', position: 7 }];
    const { store } = scriptedStore([{ delegations: 3, events: 6, more: false, next: null }], { delegations: 1, events: 2, heldBackBy: held });
    const clock = new VirtualClock(T0);
    const logger = recordingLogger();
    const result = await prune(store, clock, clock, logger, { olderThanMs: HOUR });
    expect(result.heldBackBy).toEqual(held);
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        message: 'delegations pruned; subscriptions behind the horizon hold the rest back',
        fields: {
          horizon: new Date(T0.getTime() - HOUR).toISOString(),
          dryRun: false,
          delegationsDeleted: 3,
          eventsDeleted: 6,
          batches: 1,
          wouldDelete: null,
          aborted: false,
          heldBackBy: held,
        },
      },
    ]);
  });
});

/** A store port that answers pruneBatch from a script, each batch taking `tookMs` on the clock. */
function scriptedStore(batches: PruneBatch[], survey: PruneSurvey = { delegations: 0, events: 0, heldBackBy: [] }, during?: (call: number) => void) {
  const calls: (PruneCursor | null)[] = [];
  const store = {
    pruneBatch: async (_before: Date, _limit: number, after: PruneCursor | null) => {
      calls.push(after);
      during?.(calls.length);
      const next = batches[calls.length - 1];
      if (next === undefined) throw new Error(`batch ${calls.length} was not scripted: the walk should have ended`);
      return next;
    },
    pruneSurvey: async () => survey,
  } as unknown as DelegationStore;
  return { store, calls };
}

const cursor = (n: number): PruneCursor => ({ updatedAt: new Date(T0.getTime() - n), delegationId: `d-${n}` });

/** The clock's timers, each delay written down. */
function recordingTimers(clock: VirtualClock): Timers & { delays: number[]; cleared: number } {
  const timers = {
    delays: [] as number[],
    cleared: 0,
    setTimeout: (callback: () => void, ms: number): TimerHandle => {
      timers.delays.push(ms);
      return clock.setTimeout(callback, ms);
    },
    clearTimeout: (handle: TimerHandle) => {
      timers.cleared += 1;
      clock.clearTimeout(handle);
    },
  };
  return timers;
}

describe('the walk over batches', { timeout: 2000 }, () => {
  it('ends on a batch that says no more, even when it hands out a cursor', async () => {
    const { store, calls } = scriptedStore([
      { delegations: 2, events: 4, more: true, next: cursor(1) },
      { delegations: 1, events: 2, more: false, next: cursor(2) },
    ]);
    const clock = new VirtualClock(T0);
    const result = await prune(store, clock, clock, recordingLogger(), { olderThanMs: HOUR, batchSize: 2, restRatio: 0 });
    expect(calls).toEqual([null, cursor(1)]);
    expect(result).toMatchObject({ batches: 2, delegationsDeleted: 3, eventsDeleted: 6, aborted: false });
  });

  it('ends on a full batch that has no cursor to go on from', async () => {
    const { store, calls } = scriptedStore([{ delegations: 2, events: 4, more: true, next: null }]);
    const clock = new VirtualClock(T0);
    const result = await prune(store, clock, clock, recordingLogger(), { olderThanMs: HOUR, batchSize: 2, restRatio: 0 });
    expect(calls).toEqual([null]);
    expect(result).toMatchObject({ batches: 1, delegationsDeleted: 2 });
  });

  it('rests restRatio times as long as the batch took, rounded up, on the injected timers', async () => {
    // The batches' time is read on the Clock port, the rests wait on the Timers port: two clocks here.
    const work = new VirtualClock(T0);
    const clock = new VirtualClock(T0);
    // Each batch takes 3 ms on the clock.
    const { store, calls } = scriptedStore(
      [
        { delegations: 1, events: 2, more: true, next: cursor(1) },
        { delegations: 1, events: 2, more: true, next: cursor(2) },
        { delegations: 0, events: 0, more: false, next: null },
      ],
      undefined,
      () => work.advance(3),
    );
    const timers = recordingTimers(clock);
    let settled = false;
    const pruning = prune(store, work, timers, recordingLogger(), { olderThanMs: HOUR, batchSize: 1, restRatio: 2.5 }).then((result) => {
      settled = true;
      return result;
    });
    await clock.flush();
    // 3 ms of work, 7.5 ms of rest rounded up to 8.
    expect(timers.delays).toEqual([8]);
    expect(calls).toHaveLength(1);
    await clock.advanceAsync(7);
    expect(calls).toHaveLength(1);
    await clock.advanceAsync(1);
    expect(calls).toHaveLength(2);
    expect(timers.delays).toEqual([8, 8]);
    await clock.advanceAsync(8);
    expect(await pruning).toMatchObject({ batches: 3, delegationsDeleted: 2, aborted: false });
    expect(settled).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('does not rest when the signal aborted during the batch, and stops there', async () => {
    const clock = new VirtualClock(T0);
    const stop = new AbortController();
    const { store, calls } = scriptedStore(
      [
        { delegations: 1, events: 2, more: true, next: cursor(1) },
        { delegations: 1, events: 2, more: false, next: null },
      ],
      undefined,
      () => {
        clock.advance(5);
        stop.abort();
      },
    );
    const timers = recordingTimers(clock);
    let settled = false;
    const pruning = prune(store, clock, timers, recordingLogger(), { olderThanMs: HOUR, batchSize: 1, restRatio: 2, signal: stop.signal }).then((result) => {
      settled = true;
      return result;
    });
    // No virtual time passes: an already-aborted rest must not wait for its timer.
    await clock.flush();
    await clock.flush();
    expect(settled).toBe(true);
    expect(await pruning).toMatchObject({ batches: 1, delegationsDeleted: 1, aborted: true, heldBackBy: null, wouldDelete: null });
    expect(calls).toHaveLength(1);
    expect(timers.delays).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('leaves no abort listener on a long-lived signal once its rests are over', async () => {
    const work = new VirtualClock(T0);
    const clock = new VirtualClock(T0);
    const shutdown = new AbortController();
    const { store } = scriptedStore(
      [
        { delegations: 1, events: 2, more: true, next: cursor(1) },
        { delegations: 1, events: 2, more: true, next: cursor(2) },
        { delegations: 0, events: 0, more: false, next: null },
      ],
      undefined,
      () => work.advance(1),
    );
    const timers = recordingTimers(clock);
    const pruning = prune(store, work, timers, recordingLogger(), { olderThanMs: HOUR, batchSize: 1, restRatio: 1, signal: shutdown.signal });
    await clock.flush();
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    await clock.advanceAsync(1);
    await clock.advanceAsync(1);
    expect(await pruning).toMatchObject({ batches: 3, aborted: false });
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    // A later abort (the daemon shutting down) touches no timer of the finished prune.
    const cleared = timers.cleared;
    shutdown.abort();
    expect(timers.cleared).toBe(cleared);
  });

  it('an abort during a rest ends the rest at once and clears its timer', async () => {
    const clock = new VirtualClock(T0);
    const stop = new AbortController();
    const { store, calls } = scriptedStore(
      [
        { delegations: 1, events: 2, more: true, next: cursor(1) },
        { delegations: 1, events: 2, more: false, next: null },
      ],
      undefined,
      () => clock.advance(10),
    );
    const pruning = prune(store, clock, clock, recordingLogger(), { olderThanMs: HOUR, batchSize: 1, restRatio: 100, signal: stop.signal });
    await clock.flush();
    expect(clock.pendingTimers).toBe(1);
    stop.abort();
    expect(await pruning).toMatchObject({ batches: 1, delegationsDeleted: 1, aborted: true });
    expect(calls).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
