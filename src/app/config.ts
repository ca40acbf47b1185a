import { InvalidInputError } from '../domain/index.js';
import type { Logger } from './ports.js';

export type DelegationsConfig = {
  readonly stuckThresholdMs: number;
  readonly sweepIntervalMs: number;
  /** Stale rule held back this long after the sweeper starts; 0 disables. */
  readonly bootGraceMs: number;
  /** Deadline of a delegation created without one. */
  readonly defaultDeadlineMs: number;
};

export type ConfigOverrides = { readonly [K in keyof DelegationsConfig]?: DelegationsConfig[K] | undefined };

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

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Explicit options win and must be valid (a typed error otherwise); environment
 * values that are not positive integer seconds log a warning and fall back, so a
 * typo never stops start-up.
 */
export function resolveConfig(overrides: ConfigOverrides, env: Env, logger: Logger): DelegationsConfig {
  const stuckThresholdMs =
    positiveOption('stuckThresholdMs', overrides.stuckThresholdMs) ?? envSeconds(env, ENV_STUCK_THRESHOLD, DEFAULT_STUCK_THRESHOLD_MS, logger);
  const sweepIntervalMs =
    positiveOption('sweepIntervalMs', overrides.sweepIntervalMs) ?? envSeconds(env, ENV_SWEEP_INTERVAL, DEFAULT_SWEEP_INTERVAL_MS, logger);
  const bootGraceMs = nonNegativeOption('bootGraceMs', overrides.bootGraceMs) ?? stuckThresholdMs;
  const defaultDeadlineMs = positiveOption('defaultDeadlineMs', overrides.defaultDeadlineMs) ?? DEFAULT_DEADLINE_MS;
  return { stuckThresholdMs, sweepIntervalMs, bootGraceMs, defaultDeadlineMs };
}

function envSeconds(env: Env, name: string, fallbackMs: number, logger: Logger): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallbackMs;
  if (/^\d+$/.test(raw.trim()) && Number(raw) > 0 && Number.isSafeInteger(Number(raw) * 1000)) {
    return Number(raw) * 1000;
  }
  logger.warn({ variable: name, value: raw, fallbackMs }, `invalid ${name}, using the default`);
  return fallbackMs;
}

function positiveOption(field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidInputError(field, 'must be a positive integer of milliseconds');
  return value;
}

function nonNegativeOption(field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidInputError(field, 'must be zero or a positive integer of milliseconds');
  return value;
}
