import 'reflect-metadata';

export * from './domain/index.js';
export type * from './app/ports.js';
export type * from './app/ledger-api.js';
export type { BatchContext, SubscribeOptions, SubscriptionHandle, SubscriptionHandler, Subscriptions } from './app/subscriptions-api.js';
export { StoreClosedError, SubscriptionFailedError } from './app/subscriptions-api.js';
export { SubscriptionService } from './app/subscriptions.js';
export { ChangeSignal } from './app/change-signal.js';
export {
  resolveConfig,
  DEFAULT_STUCK_THRESHOLD_MS,
  DEFAULT_SWEEP_INTERVAL_MS,
  DEFAULT_DEADLINE_MS,
  ENV_STUCK_THRESHOLD,
  ENV_SWEEP_INTERVAL,
  type DelegationsConfig,
  type ConfigOverrides,
} from './app/config.js';
export { TOKENS } from './app/tokens.js';
export { LedgerService } from './app/ledger.js';
export { SweeperService } from './app/sweeper.js';
export { servicesModule } from './app/services-module.js';
export { loadDelegations, type WiringOptions, type WiredDelegations } from './wiring.js';
export { configModule } from './app/config-module.js';
export { memoryModule } from './adapters/memory/memory-module.js';
export { MemoryDelegationStore } from './adapters/memory/memory-store.js';
export { MemoryEventFeed } from './adapters/memory/memory-event-feed.js';
export { VirtualClock } from './adapters/memory/virtual-clock.js';
export { SystemClock } from './adapters/system/system-clock.js';
export { createPinoLogger, silentLogger } from './adapters/logging/pino-logger.js';
export { verifyProjections, type VerifyReport, type ProjectionMismatch } from './app/verify.js';
export { DrizzleDelegationStore } from './adapters/drizzle/drizzle-store.js';
export { DatabaseClock } from './adapters/drizzle/database-clock.js';
export { drizzleModule } from './adapters/drizzle/drizzle-module.js';
export { DrizzleEventFeed } from './adapters/drizzle/event-feed.js';
export type { DrizzleDb } from './adapters/drizzle/db.js';
export { connectPostgres, openPglite, type Connection } from './adapters/drizzle/connections.js';
export { DataDirectoryInUseError } from './adapters/drizzle/pglite-lock.js';
export { migratePostgres, migratePglite, MIGRATIONS_FOLDER, MIGRATIONS_TABLE, type MigrateOptions } from './adapters/drizzle/migrate.js';
export { ledgerTables, DEFAULT_SCHEMA, type LedgerTables } from './adapters/drizzle/schema/tables.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS, type TimeoutOptions } from './adapters/drizzle/timeouts.js';
export { migrate } from './migrate.js';
export * as schema from './adapters/drizzle/schema/index.js';
export {
  createDelegations,
  type MemoryStoreOptions,
  type PostgresStoreOptions,
  type PgliteStoreOptions,
  type CreateDelegationsOptions,
  type Delegations,
} from './delegations.js';
