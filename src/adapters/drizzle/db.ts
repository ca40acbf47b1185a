import { createHash } from 'node:crypto';
import type { SQLWrapper } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { guarded } from './database-errors.js';
import type { PreparedSwitch } from './pooler.js';
import type * as schema from './schema/index.js';

/** The one database type both drivers share (node-postgres and PGlite). */
export type DrizzleDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export type Row = Record<string, unknown>;

/** Runs a statement and returns its rows, whichever driver answers; failures come back typed. */
export function query(db: DrizzleDb, statement: SQLWrapper): Promise<Row[]> {
  return guarded(async () => ((await db.execute(statement)) as unknown as { rows: Row[] }).rows);
}

/** Runs one of the store's hand-written statements. */
export type StatementRunner = (statement: SQLWrapper) => Promise<Row[]>;

const dialect = new PgDialect();

/**
 * Hand-written statements as named prepared statements: PostgreSQL parses and plans
 * each once per connection rather than on every call. For the statements every
 * transition and heartbeat runs: parsing and planning the append's CTE cost the
 * server 0.55 ms a call, more than running it. drizzle names only its query
 * builder's statements, so these go to the node-postgres pool behind the handle
 * (`$client`, drizzle's public handle on its driver). Unnamed when `prepared` is
 * false (a pooler in transaction mode), or decides so once detected, and on PGlite,
 * which has no use for names.
 */
export function statementRunner(db: DrizzleDb, prepared: PreparedSwitch): StatementRunner {
  const client = (db as { $client?: unknown }).$client;
  const unnamed: StatementRunner = (statement) => query(db, statement);
  if (prepared === false || !(client instanceof pg.Pool)) return unnamed;
  const pool = client;
  const named: StatementRunner = (statement) => {
    const built = dialect.sqlToQuery(statement.getSQL());
    return guarded(async () => (await pool.query({ name: statementName(built.sql), text: built.sql, values: built.params, types: RAW_TIMES })).rows);
  };
  if (prepared === true) return named;
  return (statement) => decide(prepared, (on) => (on ? named : unnamed)(statement));
}

/** Runs `then` with the switch's value; no extra turn of the event loop once it is known. */
function decide<T>(prepared: () => boolean | Promise<boolean>, then: (on: boolean) => Promise<T>): Promise<T> {
  const on = prepared();
  return typeof on === 'boolean' ? then(on) : guarded(() => on).then(then);
}

// Timestamps as the server's text, as drizzle's own queries receive them: the rows' mapping
// parses them natively (new Date), which costs a heartbeat batch of 1,000 rows several ms less
// than node-postgres's parser in JavaScript.
const RAW_TIME_TYPES = new Set<number>([pg.types.builtins.TIMESTAMPTZ, pg.types.builtins.TIMESTAMP, pg.types.builtins.DATE]);
const RAW_TIMES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    RAW_TIME_TYPES.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A query-builder statement with placeholders, the way both modes share it. */
type Preparable<R> = {
  toSQL(): { sql: string };
  prepare(name: string): { execute(values?: Record<string, unknown>): Promise<R> };
  execute(values?: Record<string, unknown>): Promise<R>;
};

/** A query-builder read, prepared once under a name of its text (or left unnamed); failures come back typed. */
export function preparedRead<R>(builder: Preparable<R>, prepared: PreparedSwitch): (values?: Record<string, unknown>) => Promise<R> {
  if (typeof prepared === 'boolean') {
    const statement = prepared ? builder.prepare(statementName(builder.toSQL().sql)) : builder;
    return (values) => guarded(() => statement.execute(values));
  }
  const named = builder.prepare(statementName(builder.toSQL().sql));
  return (values) => decide(prepared, (on) => guarded(() => (on ? named : builder).execute(values)));
}

// A handful of texts ever get here (one per call site and number of events), so the
// digests are kept: hashing 2 KB of SQL on every call was 3% of a transition's CPU.
// The name is a digest of the text, so one name never stands for two texts, in any schema.
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
