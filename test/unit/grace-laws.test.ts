import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { sweepGrace, type GraceRules, type SweepHistory } from '../../src/domain/index.js';

const RUNS = process.env.CI !== undefined ? 2000 : 300;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/**
 * The store's side of grace, as small as it gets: beginSweep keeps what sweepGrace decides,
 * a completed sweep records its `now` (never moving the record back: a slow sweep that began
 * earlier may complete after a later one).
 */
class Ledger {
  history: { lastCompletedAt: Date | null; graceFrom: Date | null } = { lastCompletedAt: null, graceFrom: null };
  constructor(readonly rules: GraceRules) {}
  begin(now: number): boolean {
    const { graceFrom, staleRuleActive } = sweepGrace(new Date(now), this.history as SweepHistory, this.rules);
    this.history.graceFrom = graceFrom;
    return staleRuleActive;
  }
  complete(startedAt: number): void {
    const last = this.history.lastCompletedAt?.getTime() ?? -Infinity;
    this.history.lastCompletedAt = new Date(Math.max(last, startedAt));
  }
  /** One sweep from start to completion: what a cron job or a one-off `sweep --once` does. */
  sweep(now: number): boolean {
    const active = this.begin(now);
    this.complete(now);
    return active;
  }
}

const rulesArb = fc.record({ bootGraceMs: fc.integer({ min: 1, max: 3_600_000 }), outageGapMs: fc.integer({ min: 1, max: 3_600_000 }) });

describe('grace only after a real outage (sweepGrace)', () => {
  test.prop([rulesArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 })], { numRuns: RUNS })(
    'cron-style sweeps, each a fresh sweeper, never within the gap of each other: only the first ever starts a grace',
    (rules, fractions) => {
      const ledger = new Ledger(rules);
      expect(ledger.sweep(T0)).toBe(false);
      let now = T0;
      for (const fraction of fractions) {
        now += Math.max(1, Math.floor(fraction * rules.outageGapMs));
        expect(ledger.sweep(now)).toBe(now - T0 >= rules.bootGraceMs);
        expect(ledger.history.graceFrom?.getTime()).toBe(T0);
      }
    },
  );

  test.prop(
    [
      rulesArb,
      fc.integer({ min: 0, max: 3_600_000 }),
      fc.option(fc.integer({ min: 0, max: 3_600_000 }), { nil: null }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
    ],
    { numRuns: RUNS },
  )('a sweeper joining a ledger whose sweeps run on time, its grace over or never begun, holds nothing back', (rules, sinceLastMs, graceOverFor, fractions) => {
    const ledger = new Ledger(rules);
    let now = T0;
    ledger.history = {
      lastCompletedAt: new Date(now - Math.min(sinceLastMs, rules.outageGapMs)),
      graceFrom: graceOverFor === null ? null : new Date(now - rules.bootGraceMs - graceOverFor),
    };
    for (const fraction of [1, ...fractions]) {
      expect(ledger.sweep(now)).toBe(true);
      now += Math.max(1, Math.floor(fraction * rules.outageGapMs));
    }
  });

  test.prop([rulesArb, fc.integer({ min: 1, max: 3_600_000 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 })], { numRuns: RUNS })(
    'a gap longer than outageGapMs starts one grace period, from the first sweep after it',
    (rules, beyondMs, fractions) => {
      const ledger = new Ledger(rules);
      ledger.sweep(T0);
      const resumed = T0 + rules.outageGapMs + beyondMs;
      expect(ledger.sweep(resumed)).toBe(false);
      expect(ledger.history.graceFrom?.getTime()).toBe(resumed);
      let now = resumed;
      for (const fraction of fractions) {
        now += Math.max(1, Math.floor(fraction * rules.outageGapMs));
        expect(ledger.sweep(now)).toBe(now - resumed >= rules.bootGraceMs);
        expect(ledger.history.graceFrom?.getTime()).toBe(resumed);
      }
    },
  );

  test.prop(
    [rulesArb, fc.integer({ min: 1, max: 3_600_000 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 8 }), fc.boolean()],
    { numRuns: RUNS },
  )('sweepers that start together after an outage share one grace period, the first one\u2019s', (rules, beyondMs, fractions, fresh) => {
    const ledger = new Ledger(rules);
    if (!fresh) ledger.sweep(T0 - rules.outageGapMs - beyondMs);
    // Each begins before any completes, all within the gap of the first.
    const starts = fractions.map((f) => T0 + Math.floor(f * rules.outageGapMs)).sort((a, b) => a - b);
    const first = starts[0]!;
    for (const start of starts) {
      expect(ledger.begin(start)).toBe(start - first >= rules.bootGraceMs);
      expect(ledger.history.graceFrom?.getTime()).toBe(first);
    }
    for (const start of [...starts].reverse()) ledger.complete(start);
    const next = starts.at(-1)! + rules.outageGapMs;
    expect(ledger.sweep(next)).toBe(next - first >= rules.bootGraceMs);
    expect(ledger.history.graceFrom?.getTime()).toBe(first);
  });

  test.prop([fc.integer({ min: 1, max: 3_600_000 }), fc.array(fc.integer({ min: 0, max: 7_200_000 }), { maxLength: 20 })], { numRuns: RUNS })(
    'bootGraceMs 0 disables grace: the stale rule always applies',
    (outageGapMs, gaps) => {
      const ledger = new Ledger({ bootGraceMs: 0, outageGapMs });
      let now = T0;
      for (const gap of [0, ...gaps]) {
        now += gap;
        expect(ledger.sweep(now)).toBe(true);
      }
    },
  );

  const opArb = fc.record({ sweeper: fc.nat({ max: 2 }), advanceMs: fc.integer({ min: 0, max: 5_400_000 }) });
  test.prop([rulesArb, fc.array(opArb, { maxLength: 40 })], { numRuns: RUNS })(
    'any interleaving of sweepers: a grace starts only after a gap, never moves back, and holds only for bootGraceMs after it began',
    (rules, ops) => {
      const ledger = new Ledger(rules);
      const running = new Map<number, number>();
      let now = T0;
      for (const { sweeper, advanceMs } of ops) {
        now += advanceMs;
        const startedAt = running.get(sweeper);
        if (startedAt !== undefined) {
          ledger.complete(startedAt);
          running.delete(sweeper);
          continue;
        }
        const before = { ...ledger.history };
        const active = ledger.begin(now);
        running.set(sweeper, now);
        const graceFrom = ledger.history.graceFrom;
        if (graceFrom?.getTime() !== before.graceFrom?.getTime()) {
          expect(graceFrom?.getTime()).toBe(now);
          const last = before.lastCompletedAt?.getTime();
          expect(last === undefined || now - last > rules.outageGapMs).toBe(true);
        }
        expect(active).toBe(graceFrom === null || now - graceFrom.getTime() >= rules.bootGraceMs);
      }
    },
  );
});
