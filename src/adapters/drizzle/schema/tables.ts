import { sql, type SQL } from 'drizzle-orm';
import { getTableConfig, pgSchema, type PgTable } from 'drizzle-orm/pg-core';
import { InvalidInputError } from '../../../domain/index.js';
import { delegationEvents, delegationEventsTable } from './delegation-events.js';
import { delegationSubscriptions, delegationSubscriptionsTable } from './delegation-subscriptions.js';
import { delegationStatusCounts, delegationStatusCountsTable } from './delegation-status-counts.js';
import { delegationSweepState, delegationSweepStateTable } from './delegation-sweep-state.js';
import { delegations, delegationsTable } from './delegations.js';

/** Where the tables live unless a host picks a schema of its own. */
export const DEFAULT_SCHEMA = 'public';

/** The ledger's tables in one PostgreSQL schema: every statement names its tables through these. */
export type LedgerTables = {
  readonly schema: string;
  readonly delegations: ReturnType<typeof delegationsTable<string | undefined>>;
  readonly delegationEvents: ReturnType<typeof delegationEventsTable<string | undefined>>;
  readonly delegationSubscriptions: ReturnType<typeof delegationSubscriptionsTable<string | undefined>>;
  readonly delegationSweepState: ReturnType<typeof delegationSweepStateTable<string | undefined>>;
  readonly delegationStatusCounts: ReturnType<typeof delegationStatusCountsTable<string | undefined>>;
};

// Room for the NOTIFY channel `<schema>_delegation_events` inside PostgreSQL's 63-byte names.
const MAX_SCHEMA_LENGTH = 45;

const PUBLIC_TABLES: LedgerTables = {
  schema: DEFAULT_SCHEMA,
  delegations,
  delegationEvents,
  delegationSubscriptions,
  delegationSweepState,
  delegationStatusCounts,
} as LedgerTables;
const built = new Map<string, LedgerTables>([[DEFAULT_SCHEMA, PUBLIC_TABLES]]);

/**
 * The tables for a schema. 'public' keeps the plain pgTable objects (drizzle-kit's
 * and the migrations' own); any other schema gets pgSchema tables, which drizzle
 * renders qualified ("s"."delegations"), so no statement depends on search_path.
 */
export function ledgerTables(schema: string | undefined = DEFAULT_SCHEMA): LedgerTables {
  const name = checkSchemaName(schema);
  let tables = built.get(name);
  if (tables === undefined) {
    const table = pgSchema(name).table;
    const projection = delegationsTable(table);
    tables = {
      schema: name,
      delegations: projection,
      delegationEvents: delegationEventsTable(table, projection),
      delegationSubscriptions: delegationSubscriptionsTable(table),
      delegationSweepState: delegationSweepStateTable(table),
      delegationStatusCounts: delegationStatusCountsTable(table),
    };
    built.set(name, tables);
  }
  return tables;
}

/** A schema name is spliced into DDL and literals, so only plain lower-case identifiers pass. */
export function checkSchemaName(schema: string): string {
  if (typeof schema !== 'string' || !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new InvalidInputError('schema', 'must be a lower-case PostgreSQL identifier (letters a-z, digits, underscores; not starting with a digit)');
  }
  if (schema.length > MAX_SCHEMA_LENGTH) throw new InvalidInputError('schema', `must be at most ${MAX_SCHEMA_LENGTH} characters`);
  if (schema.startsWith('pg_') || schema === 'information_schema') throw new InvalidInputError('schema', `${schema} is reserved by PostgreSQL`);
  return schema;
}

/** A table's qualified name as it is quoted in SQL: "s"."t", or "t" in public. */
export function qualifiedName(table: PgTable): string {
  const { name, schema } = getTableConfig(table);
  return schema === undefined ? `"${name}"` : `"${schema}"."${name}"`;
}

/** The log's name as a text literal, for `::regclass` and pg_get_serial_sequence (names, not table references). */
export function eventsRelation(tables: LedgerTables): SQL {
  return sql.raw(`'${qualifiedName(tables.delegationEvents)}'`);
}
