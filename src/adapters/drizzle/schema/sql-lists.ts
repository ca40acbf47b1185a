import { sql, type SQL } from 'drizzle-orm';

/**
 * A literal SQL list ('a', 'b') from one of the domain's sets. Partial-index and
 * CHECK predicates must be literals (parameters are rejected there), and the values
 * come from the domain's constants, never from input.
 */
export function literalList(values: readonly string[]): SQL {
  for (const value of values) {
    if (!/^[a-z_]+$/.test(value)) throw new Error(`not a safe SQL literal: ${value}`);
  }
  return sql.raw(`(${values.map((value) => `'${value}'`).join(', ')})`);
}
