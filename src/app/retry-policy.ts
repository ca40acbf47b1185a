import { DEFAULT_RETRY_POLICY, InvalidInputError, MIN_JITTER, type RetryPolicy } from '../domain/index.js';
import { durationMs, isFiniteNumber, isSafeInteger, MAX_DURATION_MS, MAX_TIMER_MS, optionsObject } from './validation.js';

// Past a thousand attempts a policy is a loop, not a retry.
export const MAX_RETRY_ATTEMPTS = 1000;
const MAX_BACKOFF_FACTOR = 100;
const FIELDS = new Set(Object.keys(DEFAULT_RETRY_POLICY));

/**
 * A retry policy as given (any subset of its fields) completed with DEFAULT_RETRY_POLICY and
 * checked; `field` prefixes the field named in an error ("retry.maxAttempts"). Null stays null:
 * no automatic retry. Unknown fields are refused: a misspelt one would silently not apply.
 */
export function retryPolicy(field: string, value: unknown): RetryPolicy | null {
  if (value === null) return null;
  const given = optionsObject(field, value as Partial<RetryPolicy>) as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!FIELDS.has(key)) throw new InvalidInputError(`${field}.${key}`, `is not a retry policy field (${[...FIELDS].join(', ')})`);
  }
  const name = (key: string) => `${field}.${key}`;
  const maxAttempts = given.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts;
  if (!isSafeInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_RETRY_ATTEMPTS) {
    throw new InvalidInputError(name('maxAttempts'), `must be an integer from 1 to ${MAX_RETRY_ATTEMPTS}`);
  }
  const initialDelayMs = durationMs(name('initialDelayMs'), given.initialDelayMs, 0, MAX_TIMER_MS) ?? DEFAULT_RETRY_POLICY.initialDelayMs;
  const maxDelayMs = durationMs(name('maxDelayMs'), given.maxDelayMs, 0, MAX_TIMER_MS) ?? Math.max(DEFAULT_RETRY_POLICY.maxDelayMs, initialDelayMs);
  if (maxDelayMs < initialDelayMs) throw new InvalidInputError(name('maxDelayMs'), `must be at least initialDelayMs (${initialDelayMs} ms)`);
  const backoffFactor = given.backoffFactor ?? DEFAULT_RETRY_POLICY.backoffFactor;
  if (!isFiniteNumber(backoffFactor) || backoffFactor < 1 || backoffFactor > MAX_BACKOFF_FACTOR) {
    throw new InvalidInputError(name('backoffFactor'), `must be a number from 1 to ${MAX_BACKOFF_FACTOR}`);
  }
  const jitter = given.jitter ?? DEFAULT_RETRY_POLICY.jitter;
  if (!isFiniteNumber(jitter) || jitter < 0 || jitter > 1 || (jitter > 0 && jitter < MIN_JITTER)) {
    throw new InvalidInputError(name('jitter'), `must be 0, or a number from ${MIN_JITTER} to 1`);
  }
  const requeueStuckAfterMs =
    given.requeueStuckAfterMs === null
      ? null
      : (durationMs(name('requeueStuckAfterMs'), given.requeueStuckAfterMs, 0, MAX_DURATION_MS) ?? DEFAULT_RETRY_POLICY.requeueStuckAfterMs);
  return { maxAttempts, initialDelayMs, backoffFactor, maxDelayMs, jitter, requeueStuckAfterMs };
}
