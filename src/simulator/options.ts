import { InvalidInputError, type RetryPolicy } from '../domain/index.js';
import { resolvePolicies, type SimulatedPolicy } from './policies.js';
import { BUILT_IN_PROFILES, type AgentProfile } from './profiles.js';

export type SimulationProgress = {
  /** 0-based index of the setting that reported, out of `settings` (several run at once with jobs > 1). */
  readonly setting: number;
  readonly settings: number;
  readonly settingsDone: number;
  readonly thresholdSeconds: number;
  readonly intervalSeconds: number;
  readonly policy: string;
  /** 0..1 over the whole simulation. */
  readonly fraction: number;
};

export type SimulationOptions = {
  readonly agents: number;
  /** Agents arrive spread over this many virtual hours; the run continues until every delegation is terminal. */
  readonly hours: number;
  readonly seed: number;
  readonly thresholdsSeconds?: readonly number[] | undefined;
  readonly intervalsSeconds?: readonly number[] | undefined;
  readonly profiles?: readonly AgentProfile[] | undefined;
  readonly maxFalsePositiveRate?: number | undefined;
  /**
   * Retry policies to compare, each under every threshold and interval: any subset of
   * RetryPolicy's fields (completed with DEFAULT_RETRY_POLICY), or null for none. Default [null].
   */
  readonly retryPolicies?: readonly (Partial<RetryPolicy> | null)[] | undefined;
  /** The recommended policy keeps the share of delegations with duplicate work under this. */
  readonly maxDuplicateRate?: number | undefined;
  /** Default: the service's own (one threshold). */
  readonly bootGraceSeconds?: number | undefined;
  /** Worker threads simulating settings side by side (default 1: in this thread). The report is the same. */
  readonly jobs?: number | undefined;
  readonly onProgress?: ((progress: SimulationProgress) => void) | undefined;
};

// The seed's 10-minute default and the settings around it an operator would weigh.
export const DEFAULT_THRESHOLDS_SECONDS: readonly number[] = [60, 120, 300, 600, 1200];
// 5 minutes is the service default; shorter intervals buy detection speed with more sweeps.
export const DEFAULT_INTERVALS_SECONDS: readonly number[] = [30, 60, 300];
export const DEFAULT_MAX_FALSE_POSITIVE_RATE = 0.01;
// Work done twice is paid twice, and is wrong where it must run at most once: 1 delegation in 100.
export const DEFAULT_MAX_DUPLICATE_RATE = 0.01;
// Bounds that keep a typo (an extra zero) from running for an hour or exhausting memory.
const MAX_AGENTS = 1_000_000;
const MAX_HOURS = 24 * 31;
const MAX_SETTING_SECONDS = 7 * 24 * 60 * 60;
const MAX_JOBS = 64;

type Defined<T> = { readonly [K in keyof T]-?: Exclude<T[K], undefined> };

export type ResolvedOptions = Defined<Omit<SimulationOptions, 'onProgress' | 'bootGraceSeconds' | 'retryPolicies'>> & {
  readonly policies: readonly SimulatedPolicy[];
  readonly bootGraceSeconds: number | undefined;
  readonly onProgress: SimulationOptions['onProgress'];
};

/** Checks every option; throws InvalidInputError naming the first bad one. */
export function resolveOptions(options: SimulationOptions): ResolvedOptions {
  return {
    agents: integerIn('agents', options.agents, 1, MAX_AGENTS),
    hours: hoursOption(options.hours),
    seed: integerIn('seed', options.seed, 0, Number.MAX_SAFE_INTEGER),
    thresholdsSeconds: secondsList('thresholds', options.thresholdsSeconds ?? DEFAULT_THRESHOLDS_SECONDS),
    intervalsSeconds: secondsList('intervals', options.intervalsSeconds ?? DEFAULT_INTERVALS_SECONDS),
    profiles: profilesOption(options.profiles ?? BUILT_IN_PROFILES),
    maxFalsePositiveRate: rateOption('maxFalsePositiveRate', options.maxFalsePositiveRate ?? DEFAULT_MAX_FALSE_POSITIVE_RATE),
    policies: resolvePolicies(options.retryPolicies ?? [null]),
    maxDuplicateRate: rateOption('maxDuplicateRate', options.maxDuplicateRate ?? DEFAULT_MAX_DUPLICATE_RATE),
    bootGraceSeconds: options.bootGraceSeconds === undefined ? undefined : integerIn('bootGraceSeconds', options.bootGraceSeconds, 0, MAX_SETTING_SECONDS),
    jobs: integerIn('jobs', options.jobs ?? 1, 1, MAX_JOBS),
    onProgress: options.onProgress,
  };
}

export function integerIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidInputError(field, `must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function hoursOption(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_HOURS) {
    throw new InvalidInputError('hours', `must be a number greater than 0 and at most ${MAX_HOURS}, got ${String(value)}`);
  }
  return value;
}

/** Sorted and without duplicates: the table and the recommendation read thresholds in ascending order. */
function secondsList(field: string, values: readonly number[]): number[] {
  if (!Array.isArray(values) || values.length === 0) throw new InvalidInputError(field, 'must list at least one value');
  for (const v of values) integerIn(field, v, 1, MAX_SETTING_SECONDS);
  return [...new Set(values)].sort((a, b) => a - b);
}

function rateOption(field: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw new InvalidInputError(field, `must be a number greater than 0 and at most 1, got ${String(value)}`);
  }
  return value;
}

function profilesOption(profiles: readonly AgentProfile[]): readonly AgentProfile[] {
  if (profiles.length === 0) throw new InvalidInputError('profiles', 'must list at least one profile');
  return profiles;
}
