import { describe, expect, it } from 'vitest';
import { longestSilenceSeconds, runSetting } from '../../src/simulator/index.js';
import { fleet, profile, setting } from './fleets.js';

// Everyone lives; a third stall for up to 240 s and some block on 60-120 s calls.
const slowButAlive = profile({ mix: { complete: 0.7, stall: 0.3 } });

describe('false positives', () => {
  it('knows the longest silence the profile can produce', () => {
    expect(longestSilenceSeconds(slowButAlive)).toBe(240);
  });

  it('never marks a live agent stuck when the threshold is above the longest silence', async () => {
    for (const interval of [1, 30, 300]) {
      const { result, verdicts } = await runSetting(fleet([slowButAlive]), setting(longestSilenceSeconds(slowButAlive), interval));
      expect(result.falsePositives.agents).toBe(0);
      expect(result.ledgerEvents.marked_stuck).toBe(0);
      expect(verdicts.every((v) => v.finalStatus === 'completed')).toBe(true);
    }
  });

  it('marks live agents stuck below it, and every one of them recovers and completes', async () => {
    const { run, result, verdicts } = await runSetting(fleet([slowButAlive]), setting(100, 30));
    expect(result.falsePositives.agents).toBeGreaterThan(10);
    expect(result.falsePositives.rate).toBeCloseTo(result.falsePositives.agents / verdicts.length, 6);
    expect(result.falsePositives.recovered).toBe(result.falsePositives.agents);
    expect(verdicts.every((v) => v.finalStatus === 'completed')).toBe(true);
    // Each mark is cleared: by a heartbeat (recovered) or by the agent completing straight from stuck.
    let completedFromStuck = 0;
    for (const v of verdicts)
      completedFromStuck += (await run.ledger.history(v.delegationId)).filter((e) => e.type === 'completed' && e.fromStatus === 'stuck').length;
    expect(result.ledgerEvents.recovered + completedFromStuck).toBe(result.ledgerEvents.marked_stuck);
  });

  it('flags more live agents the tighter the threshold', async () => {
    const plans = fleet([slowButAlive]);
    const rates = [];
    for (const threshold of [30, 100, 200]) rates.push((await runSetting(plans, setting(threshold, 30))).result.falsePositives.rate);
    expect(rates[0]).toBeGreaterThan(rates[1] as number);
    expect(rates[1]).toBeGreaterThan(rates[2] as number);
  });
});
