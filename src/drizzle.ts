/** `delegation-ledger/drizzle`: the tables, the connections (PostgreSQL, PGlite), the migrations and the Drizzle store. */
export * as schema from './adapters/drizzle/schema/index.js';
export {
  connectPostgres,
  openPglite,
  type Connection,
  type PgliteConnectionOptions,
  type PostgresConnectionOptions,
} from './adapters/drizzle/connections.js';
export { migratePostgres, migratePglite, MIGRATIONS_FOLDER, MIGRATIONS_TABLE, type MigrateOptions } from './adapters/drizzle/migrate.js';
export { ledgerTables, DEFAULT_SCHEMA, type LedgerTables } from './adapters/drizzle/schema/tables.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS, type TimeoutOptions } from './adapters/drizzle/timeouts.js';
export { migrate, type MigrateTarget } from './migrate.js';
export { DrizzleDelegationStore, type DrizzleStoreOptions } from './adapters/drizzle/drizzle-store.js';
export { DatabaseClock } from './adapters/drizzle/database-clock.js';
export type { DrizzleDb } from './adapters/drizzle/db.js';
export { PoolerProbe, type PreparedStatementsOption, type PreparedSwitch } from './adapters/drizzle/pooler.js';
