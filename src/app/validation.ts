import { InvalidInputError, isStatus, truncateUtf8, utf8Length, type Status } from '../domain/index.js';

/** Ids, keys and actors are identifiers, not prose: refused when oversized rather than cut. */
export const MAX_ID_BYTES = 255;

const LONE_SURROGATE = /\p{Cs}/u;

// PostgreSQL cannot parse the six-digit years toISOString() writes from year 10000 on.
const LATEST_DATE = Date.UTC(10000, 0, 1);

export function requireId(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidInputError(field, 'must be a string');
  if (value.trim() === '') throw new InvalidInputError(field, 'must not be empty');
  if (utf8Length(value) > MAX_ID_BYTES) throw new InvalidInputError(field, `must be at most ${MAX_ID_BYTES} bytes`);
  if (value.includes('\u0000')) throw new InvalidInputError(field, 'must not contain NUL characters');
  // A lone surrogate has no UTF-8 form: a database would store U+FFFD and the id would no longer match itself.
  if (LONE_SURROGATE.test(value)) throw new InvalidInputError(field, 'must be valid Unicode (no lone surrogates)');
  return value;
}

export function optionalId(field: string, value: unknown): string | null {
  return value === undefined || value === null ? null : requireId(field, value);
}

/** Free text (task, result, error): cut to 4 KiB on a UTF-8 boundary. */
export function detailText(field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidInputError(field, 'must be a string');
  // PostgreSQL text cannot hold NUL; dropping it keeps the rest of the detail.
  return truncateUtf8(value.replaceAll('\u0000', ''));
}

/** Free text that must be given: detailText's rules, and absent is refused too. */
export function requiredText(field: string, value: unknown): string {
  const text = detailText(field, value);
  if (text === null) throw new InvalidInputError(field, 'must be a string');
  return text;
}

export function requireStatus(value: unknown): Status {
  if (!isStatus(value)) throw new InvalidInputError('status', `unknown status ${JSON.stringify(value)}`);
  return value;
}

export function requireDate(field: string, value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : null;
  if (date === null || Number.isNaN(date.getTime())) throw new InvalidInputError(field, 'must be a valid date');
  if (date.getTime() >= LATEST_DATE) throw new InvalidInputError(field, 'must be before the year 10000');
  return new Date(date.getTime());
}

// Number.isSafeInteger and Number.isFinite refuse every non-number: as guards, no typeof check beside them.
export const isSafeInteger = (value: unknown): value is number => Number.isSafeInteger(value);
export const isFiniteNumber = (value: unknown): value is number => Number.isFinite(value);

export function positiveInteger(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!isSafeInteger(value) || value <= 0) {
    throw new InvalidInputError(field, 'must be a positive integer');
  }
  return value;
}

export function progressValue(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!isFiniteNumber(value) || value < 0) {
    throw new InvalidInputError('progress', 'must be a finite number >= 0');
  }
  return value;
}

/** The database's attempt column is a 32-bit integer: no delegation can be on a later attempt. */
export const MAX_ATTEMPT = 2_147_483_647;
/** A timer longer than this fires at once in Node (TimeoutOverflowWarning), so a loop on it would spin. */
export const MAX_TIMER_MS = 2_147_483_647;
/** Thresholds, graces and deadlines: a century is past any real use and far inside what a date can hold. */
export const MAX_DURATION_MS = 100 * 365 * 24 * 3_600_000;

/** An options argument: absent, or an object (null or a string is a caller's bug, refused by name). */
export function optionsObject<T extends object>(field: string, value: T | undefined | null): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError(field, 'must be an object');
  return value;
}

/** A whole number of milliseconds in [min, max]; undefined stays undefined (the default applies). */
export function durationMs(field: string, value: unknown, min: 0 | 1, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!isSafeInteger(value) || value < min) {
    throw new InvalidInputError(field, `must be ${min === 0 ? 'zero or ' : ''}a positive integer of milliseconds`);
  }
  if (value > max) throw new InvalidInputError(field, `must be at most ${max} ms`);
  return value;
}

/** A positive integer no larger than `max`. */
export function boundedInteger(field: string, value: unknown, max: number): number | undefined {
  const integer = positiveInteger(field, value);
  if ((integer ?? 0) > max) throw new InvalidInputError(field, `must be at most ${max}`);
  return integer;
}

export function optionalBoolean(field: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidInputError(field, 'must be true or false');
}
