import { createHash } from 'node:crypto';
import type { SQLWrapper } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema/index.js';

/** The one database type both drivers share (node-postgres and PGlite). */
export type DrizzleDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export type Row = Record<string, unknown>;

/** Runs a statement and returns its rows, whichever driver answers. */
export async function query(db: DrizzleDb, statement: SQLWrapper): Promise<Row[]> {
  const result = (await db.execute(statement)) as unknown as { rows: Row[] };
  return result.rows;
}

const dialect = new PgDialect();

/**
 * The same, as a named prepared statement: PostgreSQL parses and plans it once per
 * connection rather than on every call. For the statements every transition and
 * heartbeat runs: parsing and planning the append's CTE cost the server 0.55 ms a
 * call, more than running it. The name is a digest of the text, so one name never
 * stands for two texts. PGlite ignores the name.
 */
export async function queryPrepared(db: DrizzleDb, statement: SQLWrapper): Promise<Row[]> {
  const built = dialect.sqlToQuery(statement.getSQL());
  const result = (await db._.session.prepareQuery(built, undefined, statementName(built.sql), false).execute()) as unknown as { rows: Row[] };
  return result.rows;
}

// A handful of texts ever get here (one per call site and number of events), so the
// digests are kept: hashing 2 KB of SQL on every call was 3% of a transition's CPU.
const names = new Map<string, string>();

function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `delegations_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    if (names.size >= 256) names.clear();
    names.set(text, name);
  }
  return name;
}
