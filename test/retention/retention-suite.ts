import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Ledger } from '../../src/app/ledger-api.js';
import { MAX_PRUNE_BATCH } from '../../src/app/retention.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { InvalidInputError, isTerminal, type Delegation, type StoredEvent } from '../../src/domain/index.js';
import type { WiredDelegations } from '../../src/wiring.js';

/** A ledger on emptied tables (checkpoints included) on `clock`. */
export type OpenRetention = (clock: VirtualClock) => Promise<WiredDelegations>;

const T0 = new Date('2026-01-01T00:00:00.000Z');
const HOUR = 3_600_000;

const ACTIONS = ['dispatch', 'start', 'beat', 'complete', 'fail', 'failRetryable', 'cancel', 'reject', 'ask', 'resume', 'fillResult'] as const;
type Action = (typeof ACTIONS)[number];
type Step = { readonly index: number; readonly action: Action; readonly advanceMs: number };

/** One command of a random history on delegation `index` (refusals are part of the history too). */
async function apply(ledger: Ledger, id: string, action: Action): Promise<unknown> {
  switch (action) {
    case 'dispatch':
      return ledger.setStatus(id, 'dispatched');
    case 'start':
      return ledger.setStatus(id, 'in_progress');
    case 'beat':
      return ledger.heartbeat(id);
    case 'complete':
      return ledger.setStatus(id, 'completed', { resultPreview: 'done' });
    case 'fail':
      return ledger.setStatus(id, 'failed', { errorDetail: 'broke' });
    case 'failRetryable':
      return ledger.setStatus(id, 'failed', { errorDetail: 'try again', retryable: true });
    case 'cancel':
      return ledger.cancel(id, { reason: 'withdrawn' });
    case 'reject':
      return ledger.reject(id, { reason: 'no' });
    case 'ask':
      return ledger.requestInput(id, { question: 'which?' });
    case 'resume':
      return ledger.resume(id, { answer: 'that one' });
    case 'fillResult':
      return ledger.setStatus(id, 'completed', { resultPreview: 'late detail' });
  }
}

const history = fc.record({
  count: fc.integer({ min: 1, max: 10 }),
  steps: fc.array(fc.record({ index: fc.nat({ max: 9 }), action: fc.constantFrom(...ACTIONS), advanceMs: fc.integer({ min: 0, max: 6 * HOUR }) }), {
    maxLength: 40,
  }),
  olderThanMs: fc.integer({ min: 1, max: 48 * HOUR }),
  batchSize: fc.integer({ min: 1, max: 4 }),
  finalAdvanceMs: fc.integer({ min: 0, max: 48 * HOUR }),
});

async function snapshot(ledger: Ledger): Promise<Map<string, { delegation: Delegation; events: StoredEvent[] }>> {
  const rows = await ledger.list({ status: 'all', limit: 1000 });
  const entries = await Promise.all(
    rows.map(async (delegation) => [delegation.delegationId, { delegation, events: await ledger.history(delegation.delegationId) }] as const),
  );
  return new Map(entries);
}

/** The retention suite, run on every store. */
export function describeRetention(open: OpenRetention, numRuns: number): void {
  it('deletes exactly the terminal delegations that ended before the horizon, with their events, and verify stays clean', async () => {
    await fc.assert(
      fc.asyncProperty(history, async ({ count, steps, olderThanMs, batchSize, finalAdvanceMs }) => {
        const clock = new VirtualClock(T0);
        const wired = await open(clock);
        try {
          const { ledger } = wired;
          const ids = Array.from({ length: count }, (_, i) => `d-${i}`);
          for (const id of ids) {
            await ledger.create({
              delegationId: id,
              callerId: 'caller',
              calleeId: 'agent',
              task: 't',
              deadline: new Date(T0.getTime() + 1000 * HOUR),
              retry: {},
              idempotencyKey: `k-${id}`,
            });
            clock.advance(60_000);
          }
          for (const step of steps as Step[]) {
            clock.advance(step.advanceMs);
            await apply(ledger, ids[step.index % count] as string, step.action);
          }
          clock.advance(finalAdvanceMs);
          const before = await snapshot(ledger);
          const horizon = clock.now().getTime() - olderThanMs;
          const due = [...before.values()].filter(({ delegation: d }) => isTerminal(d.status) && d.updatedAt.getTime() < horizon);

          // No rests: on the virtual clock a rest waits for the test to advance it (the next case does).
          const result = await ledger.prune({ olderThanMs, batchSize, restRatio: 0 });

          expect(result.horizon.getTime()).toBe(horizon);
          expect(result.delegationsDeleted).toBe(due.length);
          expect(result.eventsDeleted).toBe(due.reduce((n, { events }) => n + events.length, 0));
          expect(result.heldBackBy).toBeNull();
          expect(result.batches).toBe(Math.floor(due.length / batchSize) + 1);
          const after = await snapshot(ledger);
          const dueIds = new Set(due.map(({ delegation }) => delegation.delegationId));
          for (const [id, kept] of before) {
            if (dueIds.has(id)) {
              expect(await ledger.get(id)).toBeNull();
              expect(await ledger.history(id)).toEqual([]);
            } else {
              // Untouched: an in-flight delegation (a retried one among them) or one that ended after the horizon.
              expect(after.get(id)).toEqual(kept);
            }
          }
          const report = await wired.verify();
          expect(report.mismatches).toEqual([]);
          expect(report.checked).toBe(before.size - due.length);
          // Nothing due remains: a second prune deletes nothing.
          expect((await ledger.prune({ olderThanMs, batchSize, restRatio: 0 })).delegationsDeleted).toBe(0);
        } finally {
          await wired.close();
        }
      }),
      { numRuns },
    );
  });

  it('holds back at the lowest subscription checkpoint, says who holds it, and goes on once the subscription has read on', async () => {
    const clock = new VirtualClock(T0);
    const wired = await open(clock);
    try {
      const { ledger } = wired;
      const seen: number[] = [];
      const read = async () => {
        const sub = wired.subscriptions.subscribe({
          name: 'notifier',
          from: 'start',
          pollIntervalMs: 5,
          handler: (events) => void seen.push(...events.map((e) => e.position)),
        });
        const checkpoint = await sub.caughtUp();
        await sub.stop();
        return checkpoint;
      };
      await finished(ledger, 'old-1');
      await finished(ledger, 'old-2');
      const checkpoint = await read();
      await finished(ledger, 'new-1');
      await ledger.create({ delegationId: 'running', callerId: 'c', calleeId: 'a', task: 't', deadline: new Date(T0.getTime() + 1000 * HOUR) });
      clock.advance(48 * HOUR);

      const survey = await ledger.prune({ olderThanMs: HOUR, dryRun: true });
      expect(survey).toMatchObject({ dryRun: true, delegationsDeleted: 0, wouldDelete: { delegations: 2, events: 4 } });
      expect(await ledger.get('old-1')).not.toBeNull();

      const held = await ledger.prune({ olderThanMs: HOUR });
      expect(held).toMatchObject({ delegationsDeleted: 2, eventsDeleted: 4, heldBackBy: [{ subscription: 'notifier', position: checkpoint }] });
      expect(await ledger.get('old-1')).toBeNull();
      expect(await ledger.get('new-1')).not.toBeNull();
      expect(await ledger.get('running')).not.toBeNull();

      // The subscription reads on from its checkpoint, past the gap, and then nothing holds back.
      const last = await read();
      expect(last).toBeGreaterThan(checkpoint);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      const freed = await ledger.prune({ olderThanMs: HOUR });
      expect(freed).toMatchObject({ delegationsDeleted: 1, eventsDeleted: 2, heldBackBy: null });
      expect(await ledger.get('running')).not.toBeNull();
      expect((await wired.verify()).mismatches).toEqual([]);
    } finally {
      await wired.close();
    }
  });

  it('leaves a log the subscriptions still read: a new one from the start, an old one past pruned positions, new events after the pruned head', async () => {
    const clock = new VirtualClock(T0);
    const wired = await open(clock);
    try {
      const { ledger } = wired;
      await ledger.create({ delegationId: 'kept', callerId: 'c', calleeId: 'a', task: 't', deadline: new Date(T0.getTime() + 1000 * HOUR) });
      await finished(ledger, 'gone-1');
      await finished(ledger, 'gone-2');
      clock.advance(48 * HOUR);
      // No subscription is registered: the newest events (the log's head) go too.
      expect((await ledger.prune({ olderThanMs: HOUR })).delegationsDeleted).toBe(2);
      const positions = async (name: string, from: 'start' | 'end') => {
        const got: string[] = [];
        const sub = wired.subscriptions.subscribe({
          name,
          from,
          pollIntervalMs: 5,
          handler: (events) => void got.push(...events.map((e) => `${e.delegationId}:${e.type}`)),
        });
        await sub.caughtUp();
        return { got, sub };
      };
      const fromStart = await positions('from-start', 'start');
      expect(fromStart.got).toEqual(['kept:created']);
      const fromEnd = await positions('from-end', 'end');
      expect(fromEnd.got).toEqual([]);
      await ledger.setStatus('kept', 'completed', { resultPreview: 'ok' });
      await expect.poll(() => fromStart.got, { timeout: 5_000 }).toEqual(['kept:created', 'kept:completed']);
      await expect.poll(() => fromEnd.got, { timeout: 5_000 }).toEqual(['kept:completed']);
      await fromStart.sub.stop();
      await fromEnd.sub.stop();
    } finally {
      await wired.close();
    }
  });

  it('rests between batches on the ledger timers, and an abort ends the rest and the prune', async () => {
    const clock = new VirtualClock(T0);
    const wired = await open(clock);
    try {
      const { ledger } = wired;
      for (const id of ['r-1', 'r-2', 'r-3', 'r-4']) await finished(ledger, id);
      clock.advance(2 * HOUR);
      let settled = false;
      const resting = ledger.prune({ olderThanMs: HOUR, batchSize: 1, restRatio: 1 }).then((result) => {
        settled = true;
        return result;
      });
      await clock.flush();
      expect(settled).toBe(false);
      // A batch of a database store takes real milliseconds: the virtual clock's timer waits for them.
      for (let i = 0; i < 2_000 && !settled; i += 1) {
        await clock.advanceAsync(1_000);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(await resting).toMatchObject({ delegationsDeleted: 4, batches: 5, aborted: false });

      for (const id of ['a-1', 'a-2', 'a-3']) await finished(ledger, id);
      clock.advance(2 * HOUR);
      const stop = new AbortController();
      const stopped = ledger.prune({ olderThanMs: HOUR, batchSize: 1, restRatio: 100, signal: stop.signal });
      await new Promise((resolve) => setTimeout(resolve, 200));
      stop.abort();
      const result = await stopped;
      expect(result.aborted).toBe(true);
      expect(result.delegationsDeleted).toBeGreaterThanOrEqual(1);
      expect(result.delegationsDeleted).toBeLessThan(3);
    } finally {
      await wired.close();
    }
  });

  it("frees a pruned delegation's id and idempotency key: a repeated create makes a new delegation", async () => {
    const clock = new VirtualClock(T0);
    const wired = await open(clock);
    try {
      const { ledger } = wired;
      const first = await ledger.create({ delegationId: 'once', callerId: 'c', calleeId: 'a', task: 'first', idempotencyKey: 'key' });
      await ledger.cancel('once');
      clock.advance(2 * HOUR);
      await ledger.prune({ olderThanMs: HOUR });
      const second = await ledger.create({ delegationId: 'once', callerId: 'c', calleeId: 'a', task: 'second', idempotencyKey: 'key' });
      expect(second.taskPreview).toBe('second');
      expect(second.createdAt.getTime()).toBeGreaterThan(first.createdAt.getTime());
    } finally {
      await wired.close();
    }
  });

  it('refuses bad options with a typed error naming the field, and deletes nothing', async () => {
    const clock = new VirtualClock(T0);
    const wired = await open(clock);
    try {
      const { ledger } = wired;
      await finished(ledger, 'done');
      clock.advance(48 * HOUR);
      const cases: [unknown, string][] = [
        [{ olderThanMs: 0 }, 'olderThanMs'],
        [{ olderThanMs: -1 }, 'olderThanMs'],
        [{ olderThanMs: 1.5 }, 'olderThanMs'],
        [{ olderThanMs: '30d' }, 'olderThanMs'],
        [{}, 'olderThanMs'],
        [{ olderThanMs: HOUR, batchSize: 0 }, 'batchSize'],
        [{ olderThanMs: HOUR, batchSize: MAX_PRUNE_BATCH + 1 }, 'batchSize'],
        [{ olderThanMs: HOUR, batchSize: Number.POSITIVE_INFINITY }, 'batchSize'],
        [{ olderThanMs: HOUR, dryRun: 'yes' }, 'dryRun'],
        [{ olderThanMs: HOUR, restRatio: -1 }, 'restRatio'],
        [{ olderThanMs: HOUR, restRatio: Number.NaN }, 'restRatio'],
        [{ olderThanMs: HOUR, restRatio: 101 }, 'restRatio'],
        [null, 'options'],
      ];
      for (const [options, field] of cases) {
        const error = await ledger.prune(options as never).catch((e: unknown) => e);
        expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidInputError);
        expect((error as InvalidInputError).field).toBe(field);
      }
      expect(await ledger.get('done')).not.toBeNull();
    } finally {
      await wired.close();
    }
  });
}

/** A delegation created and completed now: two events. */
async function finished(ledger: Ledger, id: string): Promise<void> {
  await ledger.create({ delegationId: id, callerId: 'c', calleeId: 'a', task: 't', deadline: new Date(T0.getTime() + 1000 * HOUR) });
  await ledger.setStatus(id, 'completed', { resultPreview: 'ok' });
}
