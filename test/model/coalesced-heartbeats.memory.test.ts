import { test } from '@fast-check/vitest';
import { describe, expect, it, vi } from 'vitest';
import { memoryLedger } from '../support/ledger-harness.js';
import { allAtOnce, beatCalls, buildFleet, comparable, endState, kinds, oneByOne } from './coalesced-heartbeats.js';

async function fleet() {
  const h = await memoryLedger();
  await buildFleet(h.ledger);
  return h;
}

describe('coalesced heartbeats on the memory store', () => {
  test.prop([beatCalls(24)], { numRuns: 150 })('answer each caller as one-by-one calls would, and leave the same state', async (calls) => {
    const [single, batched] = await Promise.all([fleet(), fleet()]);
    try {
      const expected = await oneByOne(single.ledger, calls);
      const answers = await allAtOnce(batched.ledger, calls);
      expect(comparable(answers, true)).toEqual(comparable(expected, true));
      expect(comparable(await endState(batched.ledger), true)).toEqual(comparable(await endState(single.ledger), true));
      expect(await batched.verify()).toMatchObject({ mismatches: [] });
    } finally {
      await Promise.all([single.close(), batched.close()]);
    }
  });

  it('gathers recorded, refused, stop and not-found beats of one tick into one write', async () => {
    const h = await fleet();
    try {
      const write = vi.spyOn(h.store, 'recordHeartbeats');
      const calls = [
        { delegationId: 'running' },
        { delegationId: 'running2', attempt: 1 },
        { delegationId: 'completed' },
        { delegationId: 'missing' },
        { delegationId: 'running2', attempt: 2, progress: 5 },
        { delegationId: 'running', progress: 3 },
      ];
      const answers = await allAtOnce(h.ledger, calls);
      expect(answers.map((a) => [a.outcome, a.stop, a.reason])).toEqual([
        ['recorded', false, null],
        ['refused', true, 'superseded'],
        ['refused', true, 'completed'],
        ['not_found', true, 'not_found'],
        ['recorded', false, null],
        ['recorded', false, null],
      ]);
      expect([...kinds(answers)].sort()).toEqual(['recorded', 'stop:completed', 'stop:not_found', 'stop:superseded']);
      // The first four distinct delegations share the first write; the second beats on running and running2 the next.
      expect(write.mock.calls.map(([beats]) => beats.map((b) => b.delegationId))).toEqual([
        ['running', 'running2', 'completed', 'missing'],
        ['running2', 'running'],
      ]);
      expect(answers[5]?.delegation?.progress).toBe(3);
    } finally {
      await h.close();
    }
  });
});
