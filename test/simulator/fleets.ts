import type { RetryPolicy } from '../../src/domain/index.js';
import {
  BUILT_IN_PROFILES,
  planFleet,
  resolvePolicies,
  type AgentPlan,
  type AgentProfile,
  type FailureMix,
  type SweepSetting,
} from '../../src/simulator/index.js';

const NO_FAILURES: FailureMix = { complete: 1, crashBeforeFirstBeat: 0, crashMidRun: 0, wedge: 0, stall: 0 };

/** A fast-beating profile whose longest silence is exactly known: 240 s (a stall). */
export function profile(overrides: Partial<Omit<AgentProfile, 'mix'>> & { mix?: Partial<FailureMix> } = {}): AgentProfile {
  return {
    name: 'test',
    weight: 1,
    bootSeconds: { min: 1, max: 5 },
    beatSeconds: { min: 5, max: 15 },
    longCall: { probability: 0.2, seconds: { min: 60, max: 120 } },
    durationSeconds: { min: 600, max: 1800 },
    stallSeconds: { min: 150, max: 240 },
    deadlineSeconds: 3 * 60 * 60,
    ...overrides,
    mix: { ...NO_FAILURES, ...overrides.mix },
  };
}

export function fleet(profiles: readonly AgentProfile[], agents = 300, hours = 2, seed = 11): AgentPlan[] {
  return planFleet({ agents, horizonMs: hours * 3_600_000, seed, profiles });
}

export const builtInFleet = (agents = 300, hours = 2, seed = 5) => fleet(BUILT_IN_PROFILES, agents, hours, seed);

/** A sweeper setting; with `retry` (fields completed as at create, null: none), every delegation carries that policy. */
export function setting(thresholdSeconds: number, intervalSeconds: number, retry?: Partial<RetryPolicy> | null): SweepSetting {
  const policy = retry === undefined ? undefined : resolvePolicies([retry])[0];
  return { thresholdMs: thresholdSeconds * 1000, intervalMs: intervalSeconds * 1000, policy };
}
