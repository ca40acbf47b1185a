import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, type EventType } from '../../src/domain/index.js';
import { runSetting } from '../../src/simulator/index.js';
import { builtInFleet, setting } from './fleets.js';

describe("the simulator's counts", () => {
  for (const [threshold, interval] of [
    [60, 30],
    [600, 300],
  ] as const) {
    it(`agree with the ledger's own history (${threshold}s / ${interval}s)`, async () => {
      const { run, result, verdicts } = await runSetting(builtInFleet(400, 3), setting(threshold, interval));
      const counts = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
      for (const v of verdicts) for (const event of await run.ledger.history(v.delegationId)) counts[event.type] += 1;

      const { ledgerEvents } = result;
      for (const type of Object.keys(ledgerEvents) as (keyof typeof ledgerEvents)[]) expect(ledgerEvents[type], type).toBe(counts[type]);
      expect(counts.cancelled + counts.requeued + counts.detail_recorded).toBe(0);

      // Every stuck mark is either a false one (agent alive) or the detection of a crash.
      const falseMarks = verdicts.reduce((n, v) => n + v.falseMarks, 0);
      expect(result.falsePositives.marks).toBe(falseMarks);
      expect(counts.marked_stuck).toBeGreaterThanOrEqual(falseMarks + result.crashed.detected - countFlaggedBeforeCrash(verdicts));
      expect(result.completed).toBe(counts.completed);
      expect(result.deadlineFailures.total).toBe(counts.failed);
      expect(result.completed + result.deadlineFailures.total).toBe(verdicts.length);
      expect(run.unsettled).toBe(0);
      expect(run.tally.sweepErrors).toBe(0);
    });
  }

  it("agree with the ledger's own history under a retry policy", async () => {
    const { run, result, delegations } = await runSetting(builtInFleet(400, 3), setting(300, 60, { maxAttempts: 3, requeueStuckAfterMs: 0 }));
    const counts = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>;
    let attempts = 0;
    for (const d of delegations) {
      const history = await run.ledger.history(d.delegationId);
      for (const event of history) counts[event.type] += 1;
      attempts += history[history.length - 1]?.attempt ?? 0;
    }
    const { ledgerEvents } = result;
    for (const type of Object.keys(ledgerEvents) as (keyof typeof ledgerEvents)[]) expect(ledgerEvents[type], type).toBe(counts[type]);
    expect(counts.requeued).toBeGreaterThan(0);
    // Every attempt after the first was opened by a requeue; every claimed one was dispatched once more.
    expect(attempts).toBe(delegations.length + counts.requeued);
    expect(counts.dispatched).toBe(delegations.length + run.tally.claimed);
    expect(result.attempts.mean).toBeCloseTo(attempts / delegations.length, 4);
    expect(result.completed + result.deadlineFailures.total + result.gaveUp).toBe(delegations.length);
    expect(run.unsettled).toBe(0);
  });
});

/** Crashed agents already stuck (a flagged silent call) when they died: their one mark counts as both. */
function countFlaggedBeforeCrash(verdicts: readonly { detectedAtMs: number | null; crashAtMs: number | null }[]): number {
  return verdicts.filter((v) => v.crashAtMs !== null && v.detectedAtMs !== null && v.detectedAtMs < v.crashAtMs).length;
}
