import { describe, expect, it } from 'vitest';
import type { SettingResult } from '../../src/simulator/index.js';
import { recommend } from '../../src/simulator/recommend.js';

function result(thresholdSeconds: number, intervalSeconds: number, rate: number, p95: number): SettingResult {
  return {
    thresholdSeconds,
    intervalSeconds,
    falsePositives: { agents: 0, rate, marks: 0, recovered: 0 },
    detectionLatencySeconds: { count: 1, p50: p95, p95, max: p95 },
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
});
