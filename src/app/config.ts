import { InvalidInputError, type RetryPolicy } from '../domain/index.js';
import type { Logger } from './ports.js';
import { retryPolicy } from './retry-policy.js';
import { durationMs, MAX_DURATION_MS, MAX_TIMER_MS, optionsObject } from './validation.js';

export type DelegationsConfig = {
  readonly stuckThresholdMs: number;
  readonly sweepIntervalMs: number;
  /** Stale rule held back this long after a real outage (see outageGapMs); 0 disables. */
  readonly bootGraceMs: number;
  /**
   * No completed sweep of the ledger for longer than this means the platform was down: grace applies.
   * Default: the stuck threshold, or two sweep intervals when that is longer. A host sweeping from
   * cron less often than that sets it above its cron period.
   */
  readonly outageGapMs: number;
  /** Deadline of a delegation created without one. */
  readonly defaultDeadlineMs: number;
  /** The retry policy of a delegation created without one; null (the default): no automatic retry. */
  readonly retry: RetryPolicy | null;
};

export type ConfigOverrides = {
  readonly [K in Exclude<keyof DelegationsConfig, 'retry'>]?: DelegationsConfig[K] | undefined;
} & {
  /** Fields left out take DEFAULT_RETRY_POLICY's values. */
  readonly retry?: Partial<RetryPolicy> | null | undefined;
};

// Five minutes between sweeps: faster wastes round trips on the hot index, slower
// leaves a dead agent unnoticed for longer.
export const DEFAULT_SWEEP_INTERVAL_MS = 5 * 60_000;
// Ten minutes is 60x a 10 s streaming heartbeat: loose enough for today's mix of
// runtimes (coding agents beat every 30-60 s, batch chains every few minutes).
export const DEFAULT_STUCK_THRESHOLD_MS = 10 * 60_000;
// The seed's platform gave every delegation six hours.
export const DEFAULT_DEADLINE_MS = 6 * 60 * 60_000;

export const ENV_SWEEP_INTERVAL = 'DELEGATION_SWEEPER_INTERVAL_S';
export const ENV_STUCK_THRESHOLD = 'DELEGATION_STUCK_THRESHOLD_S';
export const ENV_OUTAGE_GAP = 'DELEGATION_OUTAGE_GAP_S';
/** The default retry policy as JSON, the same fields as the `retry` option; `null` for none. */
export const ENV_RETRY = 'DELEGATION_RETRY';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Explicit options win and must be valid (a typed error otherwise); an environment
 * value that cannot be used (seconds that are not a positive integer, a retry policy
 * that is not JSON or not valid) logs a warning and falls back, so a typo never stops start-up.
 */
export function resolveConfig(overrides: ConfigOverrides, env: Env, logger: Logger): DelegationsConfig {
  const given = optionsObject('options', overrides);
  const source = optionsObject('env', env);
  // The interval feeds a timer: past MAX_TIMER_MS Node fires it at once and the loop would spin.
  const stuckThresholdMs =
    durationMs('stuckThresholdMs', given.stuckThresholdMs, 1, MAX_DURATION_MS) ??
    envSeconds(source, ENV_STUCK_THRESHOLD, DEFAULT_STUCK_THRESHOLD_MS, MAX_DURATION_MS, logger);
  const sweepIntervalMs =
    durationMs('sweepIntervalMs', given.sweepIntervalMs, 1, MAX_TIMER_MS) ??
    envSeconds(source, ENV_SWEEP_INTERVAL, DEFAULT_SWEEP_INTERVAL_MS, MAX_TIMER_MS, logger);
  const bootGraceMs = durationMs('bootGraceMs', given.bootGraceMs, 0, MAX_DURATION_MS) ?? stuckThresholdMs;
  // An outage is a silence the stale rule would misread: as long as the threshold it applies, and
  // never shorter than two intervals, or a loop sweeping less often than the threshold would see one every time.
  const outageGapMs =
    durationMs('outageGapMs', given.outageGapMs, 1, MAX_DURATION_MS) ??
    envSeconds(source, ENV_OUTAGE_GAP, Math.max(stuckThresholdMs, 2 * sweepIntervalMs), MAX_DURATION_MS, logger);
  const defaultDeadlineMs = durationMs('defaultDeadlineMs', given.defaultDeadlineMs, 1, MAX_DURATION_MS) ?? DEFAULT_DEADLINE_MS;
  const retry = given.retry === undefined ? envRetry(source, logger) : retryPolicy('retry', given.retry);
  return { stuckThresholdMs, sweepIntervalMs, bootGraceMs, outageGapMs, defaultDeadlineMs, retry };
}

/** DELEGATION_RETRY: a policy as JSON (fields left out take the defaults), or `null`; anything else warns and means none. */
function envRetry(env: Env, logger: Logger): RetryPolicy | null {
  const raw = env[ENV_RETRY];
  if (raw === undefined || raw.trim() === '') return null;
  try {
    return retryPolicy(ENV_RETRY, JSON.parse(raw) as unknown);
  } catch (error) {
    // One wrong field discards the whole policy: half of what the operator meant is not what they meant.
    const problem = error instanceof InvalidInputError ? error.message : `invalid ${ENV_RETRY}: not JSON`;
    logger.warn({ variable: ENV_RETRY, value: raw, problem }, `${problem}; using no automatic retry`);
    return null;
  }
}

function envSeconds(env: Env, name: string, fallbackMs: number, maxMs: number, logger: Logger): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallbackMs;
  const ms = Number(raw) * 1000;
  if (typeof raw === 'string' && /^\d+$/.test(raw.trim()) && ms > 0 && ms <= maxMs) return ms;
  logger.warn({ variable: name, value: raw, fallbackMs }, `invalid ${name}, using the default`);
  return fallbackMs;
}
