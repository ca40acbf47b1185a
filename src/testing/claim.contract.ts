import { describe, expect, it } from 'vitest';
import { evolve, type Delegation, type RetryPolicy } from '../domain/index.js';
import type { ClaimRequest, DelegationStore } from '../app/ports.js';
import { apply, at, HOUR, MINUTE, running, seed, SECOND } from './streams.js';

// Jitter 0: the backoff is exact, so every store opens the same window at the same instant.
const RETRY: RetryPolicy = { maxAttempts: 3, initialDelayMs: 30 * SECOND, backoffFactor: 2, maxDelayMs: HOUR, jitter: 0, requeueStuckAfterMs: null };

const claim = (store: DelegationStore, now: Date, request: Partial<ClaimRequest> = {}) =>
  store.claim({ calleeId: 'agent', limit: 10, actor: 'worker', now, ...request });

/** Delegations for `agent` created one second apart, in the order given. */
async function queue(store: DelegationStore, ids: readonly string[], from = 0): Promise<void> {
  for (const [index, id] of ids.entries()) await seed(store, { id, createdAt: at(from + index * SECOND), deadline: at(6 * HOUR) });
}

/** claim: the oldest claimable queued rows of one callee, each dispatched once with its event. */
export function describeClaimContract(given: () => Promise<DelegationStore>): void {
  describe('claim', () => {
    it('dispatches the oldest first up to the limit, with one dispatched event each, rows equal to their folds', async () => {
      const store = await given();
      await queue(store, ['c3', 'c1', 'c2']);
      const before = new Map((await Promise.all(['c1', 'c2', 'c3'].map((id) => store.load(id)))).map((d) => [d?.delegationId, d as Delegation]));
      const now = at(MINUTE);
      const { delegations, events } = await claim(store, now, { limit: 2 });
      expect(delegations.map((d) => d.delegationId)).toEqual(['c3', 'c1']);
      expect(events.map((e) => e.delegationId)).toEqual(['c3', 'c1']);
      for (const [index, event] of events.entries()) {
        const previous = before.get(event.delegationId) as Delegation;
        expect(event).toMatchObject({
          type: 'dispatched',
          actor: 'worker',
          attempt: 1,
          version: 2,
          fromStatus: 'queued',
          toStatus: 'dispatched',
          data: {},
          occurredAt: now,
        });
        expect(delegations[index]).toEqual(evolve(previous, event));
        expect(await store.load(event.delegationId)).toEqual(delegations[index]);
        expect(await store.history(event.delegationId)).toEqual([expect.objectContaining({ type: 'created' }), event]);
      }
      expect(await store.load('c2')).toEqual(before.get('c2'));
    });

    it('breaks a tie in created_at by id', async () => {
      const store = await given();
      for (const id of ['b', 'c', 'a']) await seed(store, { id, createdAt: at(0) });
      expect((await claim(store, at(SECOND))).delegations.map((d) => d.delegationId)).toEqual(['a', 'b', 'c']);
    });

    it('claims only queued rows addressed to that callee, and nothing twice', async () => {
      const store = await given();
      await queue(store, ['mine']);
      await seed(store, { id: 'theirs', calleeId: 'other-agent' });
      await running(store, { id: 'running' }, at(0), at(0));
      expect((await claim(store, at(SECOND))).delegations.map((d) => d.delegationId)).toEqual(['mine']);
      expect(await claim(store, at(2 * SECOND))).toEqual({ delegations: [], events: [] });
      expect((await claim(store, at(2 * SECOND), { calleeId: 'other-agent' })).delegations.map((d) => d.delegationId)).toEqual(['theirs']);
      expect((await store.history('running')).map((e) => e.type)).toEqual(['created', 'dispatched', 'started']);
    });

    it('leaves a requeued attempt alone until its backoff ends, and claims it from that millisecond', async () => {
      const store = await given();
      await running(store, { id: 'retried', retry: RETRY }, at(0), at(0));
      const failed = await apply(store, 'retried', { type: 'Fail', error: 'rate limited', retryable: true, sample: 0 }, at(MINUTE));
      const availableAt = at(MINUTE + RETRY.initialDelayMs);
      expect(failed.delegation).toMatchObject({ status: 'queued', attempt: 2, availableAt });
      expect(await claim(store, at(MINUTE + RETRY.initialDelayMs - 1))).toEqual({ delegations: [], events: [] });
      const { delegations, events } = await claim(store, availableAt);
      expect(delegations).toMatchObject([{ delegationId: 'retried', status: 'dispatched', attempt: 2, availableAt }]);
      expect(events).toMatchObject([{ type: 'dispatched', attempt: 2, fromStatus: 'queued' }]);
    });

    it('claims a row up to its deadline, never after: past it the sweeper fails it', async () => {
      const store = await given();
      await seed(store, { id: 'edge', deadline: at(HOUR) });
      await seed(store, { id: 'late', deadline: at(HOUR - 1) });
      expect((await claim(store, at(HOUR))).delegations.map((d) => d.delegationId)).toEqual(['edge']);
      expect(await store.load('late')).toMatchObject({ status: 'queued', version: 1 });
    });

    it('lets claimers at once divide the rows: each delegation goes to one of them', async () => {
      const store = await given();
      const ids = Array.from({ length: 12 }, (_, i) => `d${String(i).padStart(2, '0')}`);
      await queue(store, ids);
      const results = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((actor) => claim(store, at(MINUTE), { actor, limit: 4 })));
      const claimed = results.flatMap((r) => r.delegations.map((d) => d.delegationId));
      expect(claimed.sort()).toEqual(ids);
      for (const id of ids) expect((await store.history(id)).filter((e) => e.type === 'dispatched')).toHaveLength(1);
    });
  });
}
