import { describe, expect, it } from 'vitest';
import { runSetting } from '../../src/simulator/index.js';
import { fleet, profile, setting } from './fleets.js';

const deadlineSeconds = 45 * 60;
const wedging = profile({ deadlineSeconds, mix: { complete: 0.6, wedge: 0.4 } });

describe('wedged agents', () => {
  it('end failed by their deadline, never completed, and are told to stop', async () => {
    const interval = 60;
    const { run, result, verdicts } = await runSetting(fleet([wedging]), setting(120, interval));
    const wedges = verdicts.filter((v) => v.fate === 'wedge');
    expect(wedges.length).toBeGreaterThan(50);
    for (const v of wedges) {
      const deadlineMs = v.arrivalMs + deadlineSeconds * 1000;
      expect(v.finalStatus, v.delegationId).toBe('failed');
      expect(v.deadlineFailedAtMs as number).toBeGreaterThan(deadlineMs);
      expect(v.deadlineFailedAtMs as number).toBeLessThanOrEqual(deadlineMs + interval * 1000);
      expect(v.end).toBe('stopped');
      const history = await run.ledger.history(v.delegationId);
      expect(history.some((e) => e.type === 'completed')).toBe(false);
    }
    expect(result.wedges).toEqual({ total: wedges.length, caughtOnlyByDeadline: wedges.length });
    expect(result.deadlineFailures.wedged).toBe(wedges.length);
  });
});
