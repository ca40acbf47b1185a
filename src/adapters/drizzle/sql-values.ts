import { sql, type SQL } from 'drizzle-orm';

// Values travel as text with an explicit cast, so both drivers (which serialise
// Dates and arrays differently) hand PostgreSQL exactly the same thing.
export const ts = (date: Date): SQL => sql`${date.toISOString()}::timestamptz`;
/**
 * Whole milliseconds from `stamp` (an expression of our own code, never input) to `now`, in float8:
 * compared as numbers, never as now minus an interval, which a span of years would push out of range.
 */
export const msSince = (now: Date, stamp: string): SQL => sql`round(date_part('epoch', ${ts(now)} - ${sql.raw(stamp)}) * 1000)`;
export const tsOrNull = (date: Date | null): SQL => (date === null ? sql`NULL::timestamptz` : ts(date));
export const jsonb = (value: unknown): SQL => sql`${JSON.stringify(value)}::jsonb`;
/** SQL NULL for null, not the jsonb value `null` that jsonb(null) writes. */
export const jsonbOrNull = (value: unknown): SQL => (value === null ? sql`NULL::jsonb` : jsonb(value));
export const textList = (values: readonly string[]): SQL =>
  sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  );

/**
 * An array as its text literal ('{"a","b",NULL}'), cast where it is used: unlike a jsonb
 * set, whose size the planner guesses as 100 rows, it shows the planner how many elements
 * there are, so a single heartbeat is a primary-key lookup even on a small table.
 */
export const arrayLiteral = (values: readonly (string | number | null)[]): string =>
  `{${values.map((value) => (value === null ? 'NULL' : `"${String(value).replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;
