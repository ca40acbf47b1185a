import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, InvalidInputError, MIN_JITTER } from '../../src/domain/index.js';
import { MAX_RETRY_ATTEMPTS, retryPolicy } from '../../src/app/retry-policy.js';
import {
  boundedInteger,
  detailText,
  durationMs,
  MAX_DURATION_MS,
  MAX_ID_BYTES,
  MAX_TIMER_MS,
  optionalBoolean,
  optionalId,
  optionsObject,
  positiveInteger,
  progressValue,
  requireDate,
  requireId,
  requireStatus,
} from '../../src/app/validation.js';

/**
 * The boundary checks every entry point (library, HTTP, CLI) shares: each limit is accepted at
 * its edge and refused one step past it, with an InvalidInputError naming the field and saying
 * what is allowed. Found by mutation testing (npm run test:mutation).
 */

function refusal(fn: () => unknown): { field: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { field: error.field, message: error.message };
  }
  throw new Error('expected an InvalidInputError');
}

describe('retryPolicy', () => {
  it('completes a partial policy with the defaults; null means no retry', () => {
    expect(retryPolicy('retry', undefined)).toEqual(DEFAULT_RETRY_POLICY);
    expect(retryPolicy('retry', {})).toEqual(DEFAULT_RETRY_POLICY);
    expect(retryPolicy('retry', null)).toBeNull();
    expect(retryPolicy('retry', { requeueStuckAfterMs: null })).toEqual({ ...DEFAULT_RETRY_POLICY, requeueStuckAfterMs: null });
  });

  it('raises the default maxDelayMs to a longer initialDelayMs, so a lone initialDelayMs is valid', () => {
    expect(retryPolicy('retry', { initialDelayMs: 600_000 })).toMatchObject({ initialDelayMs: 600_000, maxDelayMs: 600_000 });
  });

  it('accepts every field at its edges', () => {
    const edges = [
      { maxAttempts: 1 },
      { maxAttempts: MAX_RETRY_ATTEMPTS },
      { initialDelayMs: 0, maxDelayMs: 0 },
      { initialDelayMs: MAX_TIMER_MS, maxDelayMs: MAX_TIMER_MS },
      { initialDelayMs: 5, maxDelayMs: 5 },
      { backoffFactor: 1 },
      { backoffFactor: 100 },
      { jitter: 0 },
      { jitter: MIN_JITTER },
      { jitter: 1 },
      { requeueStuckAfterMs: 0 },
      { requeueStuckAfterMs: MAX_DURATION_MS },
    ];
    for (const fields of edges) expect(retryPolicy('retry', fields)).toEqual({ ...DEFAULT_RETRY_POLICY, ...fields });
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['an unknown field', { maxAttempt: 3 }, 'retry.maxAttempt', 'is not a retry policy field (maxAttempts, initialDelayMs'],
    ['no attempt', { maxAttempts: 0 }, 'retry.maxAttempts', `must be an integer from 1 to ${MAX_RETRY_ATTEMPTS}`],
    ['too many attempts', { maxAttempts: MAX_RETRY_ATTEMPTS + 1 }, 'retry.maxAttempts', 'must be an integer'],
    ['a fraction of an attempt', { maxAttempts: 1.5 }, 'retry.maxAttempts', 'must be an integer'],
    ['attempts as text', { maxAttempts: '3' }, 'retry.maxAttempts', 'must be an integer'],
    ['a delay past the timer limit', { initialDelayMs: MAX_TIMER_MS + 1 }, 'retry.initialDelayMs', `must be at most ${MAX_TIMER_MS} ms`],
    ['a max delay under the initial one', { initialDelayMs: 5, maxDelayMs: 4 }, 'retry.maxDelayMs', 'must be at least initialDelayMs (5 ms)'],
    ['a shrinking backoff', { backoffFactor: 0.99 }, 'retry.backoffFactor', 'must be a number from 1 to 100'],
    ['a runaway backoff', { backoffFactor: 100.5 }, 'retry.backoffFactor', 'must be a number from 1 to 100'],
    ['an infinite backoff', { backoffFactor: Number.POSITIVE_INFINITY }, 'retry.backoffFactor', 'must be a number'],
    ['a backoff as text', { backoffFactor: '2' }, 'retry.backoffFactor', 'must be a number'],
    ['a backoff that is not a number', { backoffFactor: Number.NaN }, 'retry.backoffFactor', 'must be a number'],
    ['a max delay past the timer limit', { maxDelayMs: MAX_TIMER_MS + 1 }, 'retry.maxDelayMs', `must be at most ${MAX_TIMER_MS} ms`],
    ['a negative jitter', { jitter: -0.1 }, 'retry.jitter', `must be 0, or a number from ${MIN_JITTER} to 1`],
    ['a jitter over 1', { jitter: 1.01 }, 'retry.jitter', 'must be 0, or a number'],
    ['a jitter too small to matter', { jitter: MIN_JITTER / 2 }, 'retry.jitter', 'must be 0, or a number'],
    ['a jitter that is not a number', { jitter: Number.NaN }, 'retry.jitter', 'must be 0, or a number'],
    ['a jitter as text', { jitter: '0.1' }, 'retry.jitter', 'must be 0, or a number'],
    ['a requeue wait past a century', { requeueStuckAfterMs: MAX_DURATION_MS + 1 }, 'retry.requeueStuckAfterMs', `must be at most ${MAX_DURATION_MS} ms`],
  ])('refuses %s, naming the field', (_name, fields, field, message) => {
    const refused = refusal(() => retryPolicy('retry', fields));
    expect(refused.field).toBe(field);
    expect(refused.message).toContain(message);
  });

  it('refuses a policy that is not an object', () => {
    for (const value of ['3', 3, [1]])
      expect(refusal(() => retryPolicy('retry', value))).toEqual({ field: 'retry', message: 'invalid retry: must be an object' });
  });
});

describe('identifiers', () => {
  it('accepts an id of exactly 255 bytes and refuses 256, counting UTF-8 bytes', () => {
    expect(requireId('id', 'a'.repeat(MAX_ID_BYTES))).toBe('a'.repeat(MAX_ID_BYTES));
    expect(requireId('id', `${'é'.repeat(127)}a`)).toHaveLength(128);
    expect(refusal(() => requireId('id', 'a'.repeat(MAX_ID_BYTES + 1)))).toEqual({ field: 'id', message: 'invalid id: must be at most 255 bytes' });
    expect(refusal(() => requireId('id', 'é'.repeat(128))).field).toBe('id');
  });

  it.each<[string, unknown, string]>([
    ['a number', 7, 'must be a string'],
    ['an empty string', '', 'must not be empty'],
    ['blanks', ' \t', 'must not be empty'],
    ['a NUL', 'a\u0000b', 'must not contain NUL characters'],
    ['a lone surrogate', 'a\ud800', 'must be valid Unicode (no lone surrogates)'],
  ])('refuses %s', (_name, value, problem) => {
    expect(refusal(() => requireId('callerId', value))).toEqual({ field: 'callerId', message: `invalid callerId: ${problem}` });
  });

  it('takes an absent optional id as none and checks a present one', () => {
    expect(optionalId('key', undefined)).toBeNull();
    expect(optionalId('key', null)).toBeNull();
    expect(optionalId('key', 'k')).toBe('k');
    expect(refusal(() => optionalId('key', '')).field).toBe('key');
  });
});

describe('free text and statuses', () => {
  it('drops NUL characters, cuts at 4 KiB and refuses a non-string', () => {
    expect(detailText('result', 'a\u0000b')).toBe('ab');
    expect(detailText('result', undefined)).toBeNull();
    expect(detailText('result', null)).toBeNull();
    expect(detailText('result', 'x'.repeat(5000))).toHaveLength(4096);
    expect(refusal(() => detailText('result', 42))).toEqual({ field: 'result', message: 'invalid result: must be a string' });
  });

  it('names an unknown status', () => {
    expect(requireStatus('completed')).toBe('completed');
    expect(refusal(() => requireStatus('done'))).toEqual({ field: 'status', message: 'invalid status: unknown status "done"' });
  });
});

describe('dates', () => {
  const latest = Date.UTC(10000, 0, 1);

  it('accepts a Date, an ISO string or epoch ms, as a copy', () => {
    const given = new Date('2026-01-01T00:00:00.000Z');
    const taken = requireDate('deadline', given);
    expect(taken).toEqual(given);
    expect(taken).not.toBe(given);
    expect(requireDate('deadline', '2026-01-01T00:00:00.000Z')).toEqual(given);
    expect(requireDate('deadline', given.getTime())).toEqual(given);
    expect(requireDate('deadline', latest - 1).getTime()).toBe(latest - 1);
  });

  it('refuses an invalid date or one from the year 10000 on', () => {
    for (const value of ['tomorrow', Number.NaN, true, null, {}]) {
      expect(refusal(() => requireDate('deadline', value))).toEqual({ field: 'deadline', message: 'invalid deadline: must be a valid date' });
    }
    expect(refusal(() => requireDate('deadline', latest))).toEqual({ field: 'deadline', message: 'invalid deadline: must be before the year 10000' });
  });
});

describe('numbers', () => {
  it('positiveInteger: from 1, whole numbers only', () => {
    expect(positiveInteger('limit', undefined)).toBeUndefined();
    expect(positiveInteger('limit', 1)).toBe(1);
    for (const value of [0, -1, 1.5, '2', Number.MAX_SAFE_INTEGER + 1]) {
      expect(refusal(() => positiveInteger('limit', value))).toEqual({ field: 'limit', message: 'invalid limit: must be a positive integer' });
    }
  });

  it('boundedInteger: at most max', () => {
    expect(boundedInteger('limit', 10, 10)).toBe(10);
    expect(boundedInteger('limit', undefined, 10)).toBeUndefined();
    expect(refusal(() => boundedInteger('limit', 11, 10))).toEqual({ field: 'limit', message: 'invalid limit: must be at most 10' });
  });

  it('progressValue: any finite number from 0', () => {
    expect(progressValue(undefined)).toBeUndefined();
    expect(progressValue(0)).toBe(0);
    expect(progressValue(12.5)).toBe(12.5);
    for (const value of [-0.1, Number.POSITIVE_INFINITY, Number.NaN, '5']) {
      expect(refusal(() => progressValue(value))).toEqual({ field: 'progress', message: 'invalid progress: must be a finite number >= 0' });
    }
  });

  it('durationMs: whole milliseconds from min to max, the message saying whether zero is allowed', () => {
    expect(durationMs('graceMs', undefined, 0, 10)).toBeUndefined();
    expect(durationMs('graceMs', 0, 0, 10)).toBe(0);
    expect(durationMs('graceMs', 10, 0, 10)).toBe(10);
    expect(durationMs('thresholdMs', 1, 1, 10)).toBe(1);
    expect(refusal(() => durationMs('graceMs', -1, 0, 10)).message).toBe('invalid graceMs: must be zero or a positive integer of milliseconds');
    expect(refusal(() => durationMs('thresholdMs', 0, 1, 10)).message).toBe('invalid thresholdMs: must be a positive integer of milliseconds');
    expect(refusal(() => durationMs('graceMs', 1.5, 0, 10)).field).toBe('graceMs');
    expect(refusal(() => durationMs('graceMs', '5', 0, 10)).field).toBe('graceMs');
    expect(refusal(() => durationMs('graceMs', 11, 0, 10)).message).toBe('invalid graceMs: must be at most 10 ms');
  });
});

describe('options and flags', () => {
  it('optionsObject: absent is empty, an object passes, anything else is refused by name', () => {
    expect(optionsObject('options', undefined)).toEqual({});
    const given = { limit: 1 };
    expect(optionsObject('options', given)).toBe(given);
    for (const value of [null, 'x', 1, []]) {
      expect(refusal(() => optionsObject('options', value as unknown as object))).toEqual({ field: 'options', message: 'invalid options: must be an object' });
    }
  });

  it('optionalBoolean: true, false or absent', () => {
    expect(optionalBoolean('follow', true)).toBe(true);
    expect(optionalBoolean('follow', false)).toBe(false);
    expect(optionalBoolean('follow', undefined)).toBeUndefined();
    expect(refusal(() => optionalBoolean('follow', 'yes'))).toEqual({ field: 'follow', message: 'invalid follow: must be true or false' });
  });
});
