import { sql, type SQL } from 'drizzle-orm';
import type { RetryPolicy } from '../../domain/index.js';
import { ts } from './sql-values.js';

/** A number of row `d`'s retry policy (jsonb, the domain's camelCase keys); NULL without a policy. */
export const retryField = (field: keyof RetryPolicy): SQL => sql.raw(`(d.retry->>'${field}')::float8`);

/**
 * baseBackoffMs for row `d`'s failed attempt: initialDelayMs times backoffFactor^(attempt - 1),
 * at most maxDelayMs. power() and * raise an error where JavaScript goes to Infinity or to 0, and
 * one row's error would fail the whole sweep: a growth that passes maxDelayMs by more than a factor
 * of e, or falls below 1e-300 (compared in logarithms), is decided without being computed.
 */
function baseBackoffMs(): SQL {
  const initial = retryField('initialDelayMs');
  const factor = retryField('backoffFactor');
  const cap = retryField('maxDelayMs');
  const steps = sql`GREATEST(0, d.attempt - 1)`;
  const growth = sql`(${steps} * ln(${factor}) + ln(${initial}))`;
  return sql`CASE
      WHEN ${steps} = 0 OR ${factor} = 1 THEN LEAST(${cap}, ${initial})
      WHEN ${initial} = 0 OR ${factor} = 0 THEN LEAST(${cap}, 0)
      WHEN ${growth} > ln(GREATEST(${cap}, 1)) + 1 THEN ${cap}
      WHEN ${growth} < -690 THEN LEAST(${cap}, 0)
      ELSE LEAST(${cap}, ${initial} * power(${factor}, ${steps})) END`;
}

/**
 * backoffMs with the database's random() as the sample: up to `jitter` of the wait taken off, rounded
 * half up as Math.round does (float8 round() rounds half to even).
 */
export function backoffMs(): SQL {
  return sql`floor(${baseBackoffMs()} * (1 - ${retryField('jitter')} * random()) + 0.5)`;
}

/** When the next attempt of row `d` may start, requeued at `now`. */
export const availableAfterBackoff = (now: Date): SQL => sql`${ts(now)} + ${backoffMs()} * interval '1 millisecond'`;

/** retriesExhaustedDetail(d.attempt, d.error_detail), letter for letter. */
export const retriesExhaustedDetail = (): SQL =>
  sql`'gave up after ' || d.attempt || CASE WHEN d.attempt = 1 THEN ' attempt' ELSE ' attempts' END || ': ' || COALESCE(d.error_detail, 'no error given')`;

/** A stamp as JavaScript's toISOString prints it (2026-01-01T00:00:00.000Z), for event data. */
export const isoText = (stamp: SQL): SQL => sql`to_char(${stamp} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
