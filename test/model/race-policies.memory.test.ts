import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import type { SetStatusOptions, TransitionOutcome } from '../../src/app/ledger-api.js';
import { arena, noReversal, terminalEvents, THRESHOLD } from './race-arena.js';

const RUNS = process.env.CI !== undefined ? 300 : 100;
const REQUEUE_AFTER = 30_000;
const POLICY = { maxAttempts: 3, initialDelayMs: 1_000, backoffFactor: 2, maxDelayMs: 60_000, jitter: 0, requeueStuckAfterMs: REQUEUE_AFTER };

/** What attempt 1's agent reports too late: a result, a failure, or a failure it says a retry may fix. */
const LATE: Record<string, { status: 'completed' | 'failed'; options: SetStatusOptions; event: string; ends: string }> = {
  completed: { status: 'completed', options: { resultPreview: 'done' }, event: 'completed', ends: 'completed' },
  failed: { status: 'failed', options: { errorDetail: 'boom' }, event: 'failed', ends: 'failed' },
  retryable: { status: 'failed', options: { errorDetail: 'boom', retryable: true }, event: 'requeued', ends: 'queued' },
};

describe('races of the retry policy and input_required', () => {
  test.prop([fc.scheduler(), fc.constantFrom(...Object.keys(LATE)), fc.boolean()], { numRuns: RUNS })(
    'a late result of attempt 1 and the sweeper\u2019s requeue of its stuck delegation, in any order: exactly one wins',
    async (s, kind, twoSweepers) => {
      const late = LATE[kind]!;
      const { race, clock, ledger, sweepers } = arena();
      await ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: 'd1', retry: POLICY });
      await ledger.setStatus('d1', 'in_progress');
      clock.advance(THRESHOLD + 1);
      expect(await sweepers[0]!.sweep()).toMatchObject({ stuckMarked: 1 });
      clock.advance(REQUEUE_AFTER);
      race.on = s;
      const racing = Promise.all([
        ledger.setStatus('d1', late.status, { ...late.options, attempt: 1 }),
        ...sweepers.slice(0, twoSweepers ? 2 : 1).map((sweeper) => sweeper.sweep()),
      ]);
      await s.waitFor(racing);
      const [result, ...sweeps] = (await racing) as [TransitionOutcome, ...{ requeued: number; errors: number; retriesExhausted: number }[]];
      race.on = null;

      const requeuedBySweep = sweeps.reduce((sum, sweep) => sum + sweep.requeued, 0);
      expect(sweeps.every((sweep) => sweep.errors === 0 && sweep.retriesExhausted === 0)).toBe(true);
      expect((result.outcome === 'applied' ? 1 : 0) + requeuedBySweep).toBe(1);
      const history = await ledger.history('d1');
      const types = history.map((e) => e.type);
      if (requeuedBySweep === 1) {
        // The requeue came first: attempt 1 is superseded, its result is told so.
        expect(result).toMatchObject({ outcome: 'refused', reason: 'stale_attempt' });
        expect(types).toEqual(['created', 'started', 'marked_stuck', 'requeued']);
        expect(history.at(-1)).toMatchObject({ attempt: 2, data: { reason: 'stuck', availableAt: new Date(clock.now().getTime() + 1_000).toISOString() } });
        expect(await ledger.get('d1')).toMatchObject({ status: 'queued', attempt: 2 });
      } else {
        // The result came first: the sweep finds nothing stuck left to requeue.
        expect(result).toMatchObject({ outcome: 'applied', event: { type: late.event, attempt: late.event === 'requeued' ? 2 : 1 } });
        expect(types).toEqual(['created', 'started', 'marked_stuck', late.event]);
        expect((await ledger.get('d1'))?.status).toBe(late.ends);
      }
      // One attempt opened at most, whoever opened it.
      expect(history.filter((e) => e.type === 'requeued').length).toBeLessThanOrEqual(1);
      expect(terminalEvents(history).length).toBeLessThanOrEqual(1);
      noReversal(history);
    },
  );

  test.prop([fc.scheduler(), fc.option(fc.constantFrom('yes', 'no'), { nil: undefined })], { numRuns: RUNS })(
    'a resume and a cancel of a delegation waiting for input, in any order: the cancel always applies, the resume only before it',
    async (s, answer) => {
      const { race, ledger } = arena();
      await ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: 'd1' });
      await ledger.setStatus('d1', 'in_progress');
      await ledger.requestInput('d1', { question: 'which one?' });
      race.on = s;
      const racing = Promise.all([ledger.resume('d1', { answer }), ledger.cancel('d1', { reason: 'caller left' })]);
      await s.waitFor(racing);
      const [resumed, cancelled] = await racing;
      race.on = null;

      expect(cancelled).toMatchObject({ outcome: 'applied', event: { type: 'cancelled' } });
      const history = await ledger.history('d1');
      const types = history.map((e) => e.type);
      if (resumed.outcome === 'applied') {
        expect(types).toEqual(['created', 'started', 'input_requested', 'resumed', 'cancelled']);
        expect(history[3]).toMatchObject({ data: { answer: answer ?? null } });
        expect(cancelled).toMatchObject({ event: { fromStatus: 'in_progress' } });
      } else {
        expect(resumed).toMatchObject({ outcome: 'refused', reason: 'terminal' });
        expect(types).toEqual(['created', 'started', 'input_requested', 'cancelled']);
        expect(cancelled).toMatchObject({ event: { fromStatus: 'input_required' } });
      }
      expect(terminalEvents(history)).toHaveLength(1);
      noReversal(history);
      expect(await ledger.get('d1')).toMatchObject({ status: 'cancelled', errorDetail: 'caller left' });
    },
  );
});
