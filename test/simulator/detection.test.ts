import { describe, expect, it } from 'vitest';
import { runSetting } from '../../src/simulator/index.js';
import { fleet, profile, setting } from './fleets.js';

// Half the agents crash, before their first beat or mid-run; no stalls, so every stuck mark is a crash's.
const crashing = profile({ mix: { complete: 0.5, crashBeforeFirstBeat: 0.2, crashMidRun: 0.3 } });

describe('crash detection', () => {
  for (const [threshold, interval] of [
    [60, 30],
    [120, 300],
    [600, 60],
  ] as const) {
    it(`detects every crash within threshold + interval of its last sign of life (${threshold}s / ${interval}s)`, async () => {
      const { verdicts } = await runSetting(fleet([crashing]), setting(threshold, interval));
      const crashed = verdicts.filter((v) => v.crashAtMs !== null);
      expect(crashed.length).toBeGreaterThan(50);
      for (const v of crashed) {
        expect(v.detectedAtMs, v.delegationId).not.toBeNull();
        const silence = (v.detectedAtMs as number) - v.lastLifeMs;
        expect(silence, v.delegationId).toBeGreaterThan(threshold * 1000);
        expect(silence, v.delegationId).toBeLessThanOrEqual((threshold + interval) * 1000);
      }
    });
  }

  it('holds the bound once a long boot grace has passed, and catches up right after it', async () => {
    const graceMs = 30 * 60_000;
    const [threshold, interval] = [60, 30];
    const { verdicts } = await runSetting(fleet([crashing]), setting(threshold, interval), { bootGraceMs: graceMs });
    const crashed = verdicts.filter((v) => v.crashAtMs !== null);
    const afterGrace = crashed.filter((v) => v.lastLifeMs + threshold * 1000 >= graceMs);
    const duringGrace = crashed.filter((v) => v.lastLifeMs + threshold * 1000 < graceMs);
    expect(afterGrace.length).toBeGreaterThan(20);
    expect(duringGrace.length).toBeGreaterThan(0);
    for (const v of afterGrace) expect((v.detectedAtMs as number) - v.lastLifeMs).toBeLessThanOrEqual((threshold + interval) * 1000);
    // The stale rule was held back: those crashes wait for the grace to end, not one interval longer.
    for (const v of duringGrace) {
      expect(v.detectedAtMs as number).toBeGreaterThanOrEqual(graceMs);
      expect(v.detectedAtMs as number).toBeLessThanOrEqual(graceMs + interval * 1000);
    }
  });
});
