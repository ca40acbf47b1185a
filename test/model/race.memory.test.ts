import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { arena, noReversal, T0, terminalEvents, THRESHOLD } from './race-arena.js';

const RUNS = process.env.CI !== undefined ? 300 : 100;

describe('races on one delegation', () => {
  test.prop([fc.scheduler(), fc.boolean()], { numRuns: RUNS })(
    'a completion and a deadline sweep in any order: exactly one is applied, never a reversal',
    async (s, twoSweepers) => {
      const { race, clock, ledger, sweepers } = arena();
      await ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: 'd1', deadline: new Date(T0.getTime() + THRESHOLD / 2) });
      await ledger.setStatus('d1', 'in_progress');
      clock.advance(THRESHOLD / 2 + 1);
      race.on = s;
      const racing = Promise.all([
        ledger.setStatus('d1', 'completed', { resultPreview: 'done' }),
        ...sweepers.slice(0, twoSweepers ? 2 : 1).map((sweeper) => sweeper.sweep()),
      ]);
      await s.waitFor(racing);
      const [completion, ...sweeps] = await racing;
      race.on = null;

      const failures = sweeps.reduce((sum, sweep) => sum + sweep.deadlineFailures, 0);
      const completed = completion.outcome === 'applied' ? 1 : 0;
      expect(completed + failures).toBe(1);
      if (completed === 0) expect(completion).toMatchObject({ outcome: 'refused', reason: 'terminal' });
      expect(sweeps.every((sweep) => sweep.errors === 0 && sweep.stuckMarked === 0)).toBe(true);

      const history = await ledger.history('d1');
      expect(terminalEvents(history)).toHaveLength(1);
      noReversal(history);
      expect((await ledger.get('d1'))?.status).toBe(completed ? 'completed' : 'failed');
    },
  );

  test.prop([fc.scheduler(), fc.boolean()], { numRuns: RUNS })(
    'a completion and a stale-heartbeat sweep in any order: the completion always applies, stuck at most once before it',
    async (s, twoSweepers) => {
      const { race, clock, ledger, sweepers } = arena();
      await ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: 'd1' });
      await ledger.setStatus('d1', 'in_progress');
      clock.advance(THRESHOLD + 1);
      race.on = s;
      const racing = Promise.all([
        ledger.setStatus('d1', 'completed', { resultPreview: 'done' }),
        ...sweepers.slice(0, twoSweepers ? 2 : 1).map((sweeper) => sweeper.sweep()),
      ]);
      await s.waitFor(racing);
      const [completion, ...sweeps] = await racing;
      race.on = null;

      expect(completion.outcome).toBe('applied');
      const stuck = sweeps.reduce((sum, sweep) => sum + sweep.stuckMarked, 0);
      expect(stuck).toBeLessThanOrEqual(1);
      const history = await ledger.history('d1');
      expect(history.map((e) => e.type)).toEqual(['created', 'started', ...(stuck ? ['marked_stuck'] : []), 'completed']);
      expect(terminalEvents(history)).toHaveLength(1);
      noReversal(history);
      expect(await ledger.get('d1')).toMatchObject({ status: 'completed', resultPreview: 'done' });
    },
  );

  test.prop([fc.scheduler()], { numRuns: RUNS })(
    'a late heartbeat and a stale-heartbeat sweep in any order: the agent ends in_progress, recovered if the sweep came first',
    async (s) => {
      const { race, clock, ledger, sweepers } = arena();
      await ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: 'd1' });
      await ledger.setStatus('d1', 'in_progress');
      clock.advance(THRESHOLD + 1);
      race.on = s;
      const racing = Promise.all([ledger.heartbeat('d1'), sweepers[0]!.sweep()]);
      await s.waitFor(racing);
      const [beat, sweep] = await racing;
      race.on = null;

      expect(beat.stop).toBe(false);
      const history = (await ledger.history('d1')).map((e) => e.type);
      if (sweep.stuckMarked === 1) {
        expect(beat).toMatchObject({ outcome: 'applied', event: { type: 'recovered' } });
        expect(history).toEqual(['created', 'started', 'marked_stuck', 'recovered']);
      } else {
        expect(beat.outcome).toBe('recorded');
        expect(history).toEqual(['created', 'started']);
      }
      expect((await ledger.get('d1'))?.status).toBe('in_progress');
    },
  );
});
