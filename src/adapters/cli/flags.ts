import { retryPolicy } from '../../app/retry-policy.js';
import { MAX_ATTEMPT, MAX_DURATION_MS } from '../../app/validation.js';
import { canTransition, InvalidInputError, type RetryPolicy, STATUSES, type Status } from '../../domain/index.js';
import { UsageError } from './errors.js';

// Option values are text: each is parsed here, before a store is opened, so a bad one is a
// usage error naming the flag and the command never opens a ledger for nothing.

/** Decimal digits only: Number() would also take '', '0x10', '1e3', '+5' and ' 5'. */
export function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new UsageError(`${flag}: must be a whole number, got ${JSON.stringify(raw)}`);
  if (value < min || value > max) throw new UsageError(`${flag}: must be between ${min} and ${max}`);
  return value;
}

export function attemptFlag(raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : wholeNumber('--attempt', raw, 1, MAX_ATTEMPT);
}

/** Progress is a number, 0 or more, fractions allowed (a share done, a step count). */
export function progressFlag(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) throw new UsageError(`--progress: must be a number of 0 or more, got ${JSON.stringify(raw)}`);
  return value;
}

/** An ISO 8601 time with its zone ("2026-12-01T18:00:00Z"); whether it is in the future is the ledger's to say, by its clock. */
export function timeFlag(flag: string, raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw);
  const date = new Date(raw);
  if (!zoned || Number.isNaN(date.getTime())) throw new UsageError(`${flag}: must be an ISO 8601 time with a zone, such as 2026-12-01T18:00:00Z`);
  return date;
}

/**
 * --retry takes the policy as JSON, the fields and checks of the library's `retry` option and of
 * DELEGATION_RETRY; --no-retry (false here) turns off a configured default.
 */
export function retryFlag(raw: string | false | undefined): Partial<RetryPolicy> | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === false) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new UsageError(`--retry: must be a JSON object such as '{"maxAttempts":3}', got ${JSON.stringify(raw)}`);
  }
  if (value === null) throw new UsageError('--retry: must be a JSON object; --no-retry turns a default policy off');
  try {
    retryPolicy('retry', value);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const field = error.field.replace(/^retry\.?/, '');
    throw new UsageError(`--retry: ${field === '' ? 'the policy' : field} ${error.problem}`);
  }
  return value as Partial<RetryPolicy>;
}

/** The statuses with an edge into `to`, in the domain's order: for help texts, never typed out. */
export function statusesInto(to: Status): readonly Status[] {
  return STATUSES.filter((from) => from !== to && canTransition(from, to));
}

export function either(statuses: readonly string[]): string {
  return statuses.length < 2 ? (statuses[0] ?? '') : `${statuses.slice(0, -1).join(', ')} or ${statuses[statuses.length - 1]}`;
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A span as a whole number and a unit: 90s, 45m, 12h, 30d, 8w. At least a second, at most a century. */
export function durationFlag(flag: string, raw: string): number {
  const match = /^(\d+)([smhdw])$/.exec(raw);
  const ms = match === null ? Number.NaN : Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  if (!Number.isSafeInteger(ms) || ms <= 0 || ms > MAX_DURATION_MS) {
    throw new UsageError(
      `${flag}: must be a whole number and a unit (s, m, h, d, w) of at least 1s and at most 100 years, such as 30d; got ${JSON.stringify(raw)}`,
    );
  }
  return ms;
}
