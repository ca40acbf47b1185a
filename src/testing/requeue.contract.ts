import { describe, expect, it } from 'vitest';
import { evolve, type Delegation, type RetryPolicy, type SweepPolicy } from '../domain/index.js';
import type { DelegationStore } from '../app/ports.js';
import { apply, at, expectWellFormedStream, HOUR, MINUTE, running, SECOND } from './streams.js';

const THRESHOLD = 10 * MINUTE;
const ACTIVE: SweepPolicy = { thresholdMs: THRESHOLD, staleRuleActive: true };
// Jitter 0, so every store requeues to the same instant: attempt 2 waits initialDelayMs.
const RETRY: RetryPolicy = { maxAttempts: 3, initialDelayMs: 30 * SECOND, backoffFactor: 2, maxDelayMs: HOUR, jitter: 0, requeueStuckAfterMs: 5 * MINUTE };
const STUCK_AT = at(THRESHOLD + SECOND);

/** Running from 0 (attempt 1), marked stuck at STUCK_AT. */
async function stuck(store: DelegationStore, id: string, retry: RetryPolicy | null, extra: { deadline?: Date } = {}): Promise<Delegation> {
  await running(store, { id, retry, ...extra }, at(0), at(0));
  return (await apply(store, id, { type: 'MarkStuck', detail: 'no heartbeat for 601s', silentForMs: THRESHOLD + SECOND }, STUCK_AT)).delegation;
}

/** The sweep's retry policy rule: a stuck row left for requeueStuckAfterMs is requeued, or failed once its attempts are spent. */
export function describeRequeueContract(given: () => Promise<DelegationStore>): void {
  describe('sweep under a retry policy', () => {
    it('requeues a stuck row from the millisecond its requeueStuckAfterMs has passed, as attempt 2 after its backoff', async () => {
      const store = await given();
      const before = await stuck(store, 'd1', RETRY);
      const limit = STUCK_AT.getTime() - at(0).getTime() + (RETRY.requeueStuckAfterMs as number);
      expect(await store.findDue(at(limit - 1), ACTIVE)).toEqual([]);
      expect(await store.findDue(at(limit), ACTIVE)).toEqual([{ delegationId: 'd1', verdict: { kind: 'requeue_stuck' } }]);
      const tally = await store.sweep(at(limit), ACTIVE, 'sweeper');
      expect(tally).toMatchObject({ deadlineFailures: 0, stuckMarked: 0, requeued: 1, retriesExhausted: 0, scanned: 1 });
      const availableAt = at(limit + RETRY.initialDelayMs);
      expect(tally.events).toEqual([
        expect.objectContaining({
          type: 'requeued',
          attempt: 2,
          version: before.version + 1,
          fromStatus: 'stuck',
          toStatus: 'queued',
          actor: 'sweeper',
          occurredAt: at(limit),
          data: { reason: 'stuck', availableAt: availableAt.toISOString(), error: 'no heartbeat for 601s' },
        }),
      ]);
      const row = await store.load('d1');
      expect(row).toMatchObject({ status: 'queued', attempt: 2, availableAt, lastHeartbeat: null, activeSince: null, progress: null, errorDetail: null });
      expect(row).toEqual(evolve(before, tally.events[0] as (typeof tally.events)[number]));
      expectWellFormedStream(await store.history('d1'));
    });

    it('fails a stuck row whose attempts are spent, naming them and the last error, and counts it apart from deadlines', async () => {
      const store = await given();
      await stuck(store, 'spent', { ...RETRY, maxAttempts: 1 });
      await stuck(store, 'late', RETRY, { deadline: at(HOUR) });
      const now = at(HOUR + 1);
      const tally = await store.sweep(now, ACTIVE, 'sweeper');
      expect(tally).toMatchObject({ deadlineFailures: 1, stuckMarked: 0, requeued: 0, retriesExhausted: 1, scanned: 2 });
      const detail = 'gave up after 1 attempt: no heartbeat for 601s';
      expect(tally.events.find((e) => e.delegationId === 'spent')).toMatchObject({ type: 'failed', attempt: 1, data: { error: detail } });
      expect(await store.load('spent')).toMatchObject({ status: 'failed', errorDetail: detail });
      // The deadline is the whole budget: past it a stuck row fails, never retries.
      expect(await store.load('late')).toMatchObject({ status: 'failed', attempt: 1, errorDetail: 'deadline exceeded' });
    });

    it('leaves stuck rows to an operator without a policy or without requeueStuckAfterMs, and holds the rule back under grace', async () => {
      const store = await given();
      await stuck(store, 'plain', null);
      await stuck(store, 'manual', { ...RETRY, requeueStuckAfterMs: null });
      await stuck(store, 'policy', RETRY);
      const now = at(2 * HOUR);
      expect(await store.findDue(now, ACTIVE)).toEqual([{ delegationId: 'policy', verdict: { kind: 'requeue_stuck' } }]);
      expect(await store.sweep(now, { ...ACTIVE, staleRuleActive: false }, 'sweeper')).toMatchObject({ requeued: 0, scanned: 0 });
      expect(await store.load('policy')).toMatchObject({ status: 'stuck' });
    });

    it('never marks a delegation waiting for input stuck, however long it waits', async () => {
      const store = await given();
      await running(store, { id: 'waiting', deadline: at(10 * HOUR) }, at(0), at(0));
      await apply(store, 'waiting', { type: 'RequestInput', question: 'which quarter?' }, at(SECOND));
      expect(await store.findDue(at(9 * HOUR), ACTIVE)).toEqual([]);
      expect(await store.findDue(at(10 * HOUR + 1), ACTIVE)).toEqual([
        { delegationId: 'waiting', verdict: { kind: 'deadline_exceeded', detail: 'deadline exceeded' } },
      ]);
    });
  });
}
