import 'reflect-metadata';
import { Container, type ContainerModule } from 'inversify';
import type pg from 'pg';
import { resolveConfig, type ConfigOverrides, type DelegationsConfig } from './app/config.js';
import { validateCreateOptions } from './app/create-options.js';
import type { Ledger, Sweeper } from './app/ledger-api.js';
import type { SubscribeOptions, SubscriptionHandle } from './app/subscriptions-api.js';
import type { DrizzleDb } from './adapters/drizzle/db.js';
import type { Clock, Logger, RandomSource } from './app/ports.js';
import type { VerifyReport } from './app/verify.js';
import { memoryModule } from './adapters/memory/memory-module.js';
import { connectPostgres, openPglite } from './adapters/drizzle/connections.js';
import { drizzleModule } from './adapters/drizzle/drizzle-module.js';
import type { PreparedStatementsOption } from './adapters/drizzle/pooler.js';
import { ConfigurationError } from './domain/index.js';
import { createPinoLogger } from './adapters/logging/pino-logger.js';
import { poolTimeouts } from './adapters/drizzle/timeouts.js';
import { MemoryDelegationStore } from './adapters/memory/memory-store.js';
import { loadDelegations, type WiredDelegations, type WiringOptions } from './wiring.js';

export type CommonOptions = ConfigOverrides & {
  /** Default: the system clock for memory, the database's clock for database stores. */
  readonly clock?: Clock | undefined;
  /** Default: pino on stderr at LOG_LEVEL. */
  readonly logger?: Logger | undefined;
  /** Where DELEGATION_* variables are read; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The jitter draws of retry backoffs; default Math.random. Seed it for reproducible runs. */
  readonly random?: RandomSource | undefined;
};

export type MemoryStoreOptions = CommonOptions & { readonly store: 'memory' };

type DatabaseOptions = CommonOptions & {
  /** Apply the committed migrations on start (default true; safe with many replicas). */
  readonly migrate?: boolean | undefined;
  /** Rows one sweep statement moves at most (default 25,000). */
  readonly sweepBatchSize?: number | undefined;
  /** The PostgreSQL schema that holds the tables (default public; created by the migrations when missing). */
  readonly schema?: string | undefined;
  /**
   * Named prepared statements: true, false (needed behind a pooler in transaction mode before
   * PgBouncer 1.21), or 'auto' (the default): on, unless the connection turns out to go through a pooler.
   */
  readonly preparedStatements?: PreparedStatementsOption | undefined;
};

/** A PostgreSQL server: a connection string, or a host's own pg.Pool (left open by close()). */
export type PostgresStoreOptions = DatabaseOptions & {
  readonly store: 'postgres';
  readonly connectionString?: string | undefined;
  readonly pool?: pg.Pool | undefined;
  readonly poolSize?: number | undefined;
  /** Server-side limit on a statement or lock wait, and (a second later) the client's (default 30,000). */
  readonly statementTimeoutMs?: number | undefined;
  /** Limit on opening a connection or waiting for one from the pool (default 10,000). */
  readonly connectTimeoutMs?: number | undefined;
};

/** Embedded PGlite: persisted in `dataDir`, or in memory when none is given. */
export type PgliteStoreOptions = DatabaseOptions & { readonly store: 'pglite'; readonly dataDir?: string | undefined };

export type CreateDelegationsOptions = MemoryStoreOptions | PostgresStoreOptions | PgliteStoreOptions;

/**
 * A wired ledger and sweeper, for hosts without a container of their own. The store and
 * the container stay inside: a host that needs them wires its own through loadDelegations.
 */
export type Delegations = {
  readonly ledger: Ledger;
  readonly sweeper: Sweeper;
  readonly config: DelegationsConfig;
  /** Folds every stream and reports each projection row that differs from its events. */
  verify(): Promise<VerifyReport>;
  /** Delivers events in position order to a handler, checkpointed under its name; transactional mode hands it the Drizzle transaction. */
  subscribe(options: SubscribeOptions<DrizzleDb>): SubscriptionHandle;
  /** Stops the sweeper loop and the subscriptions (after their batch in progress), then closes the store. */
  close(): Promise<void>;
};

export async function createDelegations(options: CreateDelegationsOptions): Promise<Delegations> {
  const wired = await openDelegations(options);
  return {
    ledger: wired.ledger,
    sweeper: wired.sweeper,
    config: wired.config,
    verify: () => wired.verify(),
    subscribe: (subscription) => wired.subscriptions.subscribe(subscription),
    close: () => wired.close(),
  };
}

/** What createDelegations builds, with the store and clock still in reach: for the daemon, the harnesses and the benches. */
export async function openDelegations(options: CreateDelegationsOptions & Pick<WiringOptions, 'decorateStore'>): Promise<WiredDelegations> {
  validateCreateOptions(options);
  // The time limits hold a host's pool to nothing, but a wrong value is still the caller's mistake.
  if (options.store === 'postgres') poolTimeouts(options);
  const logger = options.logger ?? createPinoLogger();
  const env = options.env ?? process.env;
  // Resolved before anything opens: a bad value must not leave a pool or a PGlite lock behind.
  const config = resolveConfig(configOverrides(options), env, logger);
  const { adapter, close } = await adapterModule(options);
  try {
    return loadDelegations(new Container(), { adapter, config, logger, env, random: options.random, decorateStore: options.decorateStore });
  } catch (error) {
    await close();
    throw error;
  }
}

type Adapter = { readonly adapter: ContainerModule; close(): Promise<void> };

async function adapterModule(options: CreateDelegationsOptions): Promise<Adapter> {
  switch (options.store) {
    case 'memory':
      return { adapter: memoryModule({ clock: options.clock, store: memoryStore(options.random) }), close: async () => undefined };
    case 'postgres': {
      const connection = await connectPostgres(options);
      return { adapter: drizzleModule(connection, options), close: () => connection.close() };
    }
    case 'pglite': {
      const connection = await openPglite(options);
      return { adapter: drizzleModule(connection, options), close: () => connection.close() };
    }
    default:
      throw new ConfigurationError(`unknown store ${String((options as { store: unknown }).store)}`);
  }
}

function memoryStore(random: RandomSource | undefined): MemoryDelegationStore {
  return new MemoryDelegationStore(random === undefined ? {} : { random: () => random.next() });
}

function configOverrides(options: CreateDelegationsOptions): ConfigOverrides {
  const { stuckThresholdMs, sweepIntervalMs, bootGraceMs, outageGapMs, defaultDeadlineMs, retry } = options;
  return { stuckThresholdMs, sweepIntervalMs, bootGraceMs, outageGapMs, defaultDeadlineMs, retry };
}
