import { describe, expect, it } from 'vitest';
import type { GraceRules, SweepPolicy } from '../domain/index.js';
import type { DelegationStore } from '../app/ports.js';
import { at, MINUTE } from './streams.js';

const GRACE = 10 * MINUTE;
const RULES: GraceRules = { bootGraceMs: GRACE, outageGapMs: GRACE };
const POLICY: SweepPolicy = { thresholdMs: GRACE, staleRuleActive: true };

/** A sweep as the sweeper runs one: begin (grace decided), then the sweep, which records its completion. */
async function sweepAt(store: DelegationStore, now: Date, rules = RULES) {
  const start = await store.beginSweep(now, rules);
  await store.sweep(now, { ...POLICY, staleRuleActive: start.staleRuleActive }, 'sweeper');
  return start;
}

/** beginSweep and sweep share one history per store: grace only after a real outage, for every sweeper alike. */
export function describeGraceContract(given: () => Promise<DelegationStore>): void {
  describe('beginSweep', () => {
    it('starts a grace period at the first sweep a ledger ever has, and lifts it one grace later', async () => {
      const store = await given();
      expect(await sweepAt(store, at(0))).toEqual({ staleRuleActive: false, graceFrom: at(0) });
      expect(await sweepAt(store, at(GRACE - 1))).toEqual({ staleRuleActive: false, graceFrom: at(0) });
      expect(await sweepAt(store, at(GRACE))).toEqual({ staleRuleActive: true, graceFrom: at(0) });
    });

    it('gives a cron sequence no new grace: each run finds the last one completed within the gap', async () => {
      const store = await given();
      await sweepAt(store, at(0));
      for (let minute = 1; minute <= 30; minute += 1) {
        expect(await sweepAt(store, at(minute * MINUTE))).toEqual({ staleRuleActive: minute * MINUTE >= GRACE, graceFrom: at(0) });
      }
      // Exactly the gap after the last completion is no outage yet.
      expect(await sweepAt(store, at(30 * MINUTE + GRACE))).toEqual({ staleRuleActive: true, graceFrom: at(0) });
    });

    it('starts a new grace after an outage: no sweep completed for longer than the gap', async () => {
      const store = await given();
      await sweepAt(store, at(0));
      await sweepAt(store, at(GRACE));
      const back = at(2 * GRACE + 1);
      expect(await sweepAt(store, back)).toEqual({ staleRuleActive: false, graceFrom: back });
      expect(await sweepAt(store, at(3 * GRACE))).toEqual({ staleRuleActive: false, graceFrom: back });
      expect(await sweepAt(store, at(3 * GRACE + 1))).toEqual({ staleRuleActive: true, graceFrom: back });
    });

    it('lets every sweeper of one outage share the grace the first of them began', async () => {
      const store = await given();
      await sweepAt(store, at(0));
      const first = at(2 * GRACE);
      // Several sweepers come back; none has completed a sweep yet when the others begin.
      expect(await store.beginSweep(first, RULES)).toEqual({ staleRuleActive: false, graceFrom: first });
      expect(await store.beginSweep(at(2 * GRACE + MINUTE), RULES)).toEqual({ staleRuleActive: false, graceFrom: first });
      expect(await store.beginSweep(at(3 * GRACE), RULES)).toEqual({ staleRuleActive: true, graceFrom: first });
      const together = await Promise.all([1, 2, 3].map(() => store.beginSweep(at(2 * GRACE + 2 * MINUTE), RULES)));
      expect(together).toEqual([1, 2, 3].map(() => ({ staleRuleActive: false, graceFrom: first })));
    });

    it('lets sweepers that begin at once on a new ledger share one grace', async () => {
      const store = await given();
      const together = await Promise.all([1, 2, 3, 4].map(() => store.beginSweep(at(0), RULES)));
      expect(together).toEqual([1, 2, 3, 4].map(() => ({ staleRuleActive: false, graceFrom: at(0) })));
    });

    it('begins a new grace when one began but no sweep completed within the gap since', async () => {
      const store = await given();
      await store.beginSweep(at(0), RULES);
      const later = at(GRACE + 1);
      expect(await store.beginSweep(later, RULES)).toEqual({ staleRuleActive: false, graceFrom: later });
    });

    it('keeps the latest completion when an older sweep finishes last', async () => {
      const store = await given();
      await sweepAt(store, at(0));
      await store.sweep(at(3 * GRACE), POLICY, 'sweeper');
      await store.sweep(at(GRACE), POLICY, 'sweeper');
      expect(await store.beginSweep(at(4 * GRACE), RULES)).toEqual({ staleRuleActive: true, graceFrom: at(0) });
    });

    it('applies the stale rule without grace when bootGraceMs is 0, and starts none', async () => {
      const store = await given();
      const off = { ...RULES, bootGraceMs: 0 };
      expect(await store.beginSweep(at(0), off)).toEqual({ staleRuleActive: true, graceFrom: null });
      // Nothing recorded: with grace back on, the ledger's first completed sweep is still ahead.
      expect(await store.beginSweep(at(MINUTE), RULES)).toEqual({ staleRuleActive: false, graceFrom: at(MINUTE) });
      expect(await store.beginSweep(at(2 * MINUTE), off)).toEqual({ staleRuleActive: true, graceFrom: at(MINUTE) });
    });
  });
}
