import { sql, type SQL } from 'drizzle-orm';

// Values travel as text with an explicit cast, so both drivers (which serialise
// Dates and arrays differently) hand PostgreSQL exactly the same thing.
export const ts = (date: Date): SQL => sql`${date.toISOString()}::timestamptz`;
export const tsOrNull = (date: Date | null): SQL => (date === null ? sql`NULL::timestamptz` : ts(date));
export const jsonb = (value: unknown): SQL => sql`${JSON.stringify(value)}::jsonb`;
export const textList = (values: readonly string[]): SQL => sql.join(values.map((value) => sql`${value}`), sql`, `);
