import { describe, expect, it } from 'vitest';
import type { SettingResult } from '../../src/simulator/index.js';
import { recommend, recommendPolicy } from '../../src/simulator/recommend.js';

type Retries = { policy?: string; completed?: number; duplicates?: number; p95?: number; attempts?: number };

function result(thresholdSeconds: number, intervalSeconds: number, rate: number, p95: number, retries: Retries = {}): SettingResult {
  return {
    thresholdSeconds,
    intervalSeconds,
    policy: retries.policy ?? 'none',
    retry: null,
    falsePositives: { agents: 0, rate, marks: 0, recovered: 0 },
    detectionLatencySeconds: { count: 1, p50: p95, p95, max: p95 },
    completedShare: retries.completed ?? 0.9,
    timeToCompleteSeconds: { count: 1, p50: 60, p95: retries.p95 ?? 600, max: 900 },
    attempts: { mean: retries.attempts ?? 1, max: 1, retried: 0 },
    duplicateWork: { delegations: 0, rate: retries.duplicates ?? 0, agentHours: 0 },
  } as SettingResult;
}

describe('the recommendation', () => {
  const grid = [result(60, 30, 0.2, 70), result(300, 30, 0.012, 320), result(300, 300, 0.009, 500), result(600, 30, 0.001, 620), result(600, 60, 0.001, 640)];

  it('is the smallest threshold under the target, at its fastest-detecting interval', () => {
    expect(recommend(grid, 0.01)).toMatchObject({ found: true, thresholdSeconds: 300, intervalSeconds: 300, falsePositiveRate: 0.009 });
    expect(recommend(grid, 0.005)).toMatchObject({ found: true, thresholdSeconds: 600, intervalSeconds: 30 });
  });

  it('wants the rate strictly under the target', () => {
    expect(recommend(grid, 0.009)).toMatchObject({ found: true, thresholdSeconds: 600 });
  });

  it('says so, with the best it saw, when nothing qualifies', () => {
    const r = recommend(grid, 0.0005);
    expect(r.found).toBe(false);
    expect(r.reason).toMatch(/lowest: 0\.1% at threshold 10m/);
  });

  it('takes a threshold and interval only if they stay under the target under every policy', () => {
    const withPolicies = [
      result(300, 300, 0.009, 500),
      result(300, 300, 0.011, 510, { policy: '5x/0s' }),
      result(600, 300, 0.002, 700),
      result(600, 300, 0.004, 720, { policy: '5x/0s' }),
    ];
    expect(recommend(withPolicies, 0.01)).toMatchObject({ found: true, thresholdSeconds: 600, falsePositiveRate: 0.004, detectionP95Seconds: 720 });
  });
});

describe('the recommended retry policy', () => {
  const none = result(600, 300, 0.001, 700, { completed: 0.93 });
  const moderate = result(600, 300, 0.001, 700, { policy: '3x/1m', completed: 0.985, duplicates: 0.004, attempts: 1.07 });
  const eager = result(600, 300, 0.001, 700, { policy: '5x/0s', completed: 0.99, duplicates: 0.05, attempts: 1.13 });

  it('completes the most delegations with duplicate work under the target, compared with the first policy', () => {
    expect(recommendPolicy([none, moderate, eager], 0.01)).toMatchObject({
      found: true,
      policy: '3x/1m',
      completedShare: 0.985,
      baseline: { policy: 'none', completedShare: 0.93 },
    });
    expect(recommendPolicy([none, moderate, eager], 0.1)).toMatchObject({ found: true, policy: '5x/0s' });
  });

  it('breaks a tie in completion by time to completion, then by attempts', () => {
    const faster = { ...moderate, policy: '4x/1m', timeToCompleteSeconds: { count: 1, p50: 60, p95: 500, max: 900 } };
    expect(recommendPolicy([none, moderate, faster], 0.01)).toMatchObject({ policy: '4x/1m' });
    const fewer = { ...moderate, policy: '2x/1m', attempts: { mean: 1.01, max: 2, retried: 1 } };
    expect(recommendPolicy([none, moderate, fewer], 0.01)).toMatchObject({ policy: '2x/1m' });
  });

  it('says so when every policy does too much work twice', () => {
    const r = recommendPolicy([eager], 0.01);
    expect(r).toMatchObject({ found: false });
    expect(r.reason).toMatch(/no policy keeps duplicate work under 1%/);
  });
});
