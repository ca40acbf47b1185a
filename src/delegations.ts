import 'reflect-metadata';
import { Container, type ContainerModule } from 'inversify';
import type pg from 'pg';
import type { ConfigOverrides, DelegationsConfig } from './app/config.js';
import { configModule } from './app/config-module.js';
import { validateCreateOptions } from './app/create-options.js';
import type { Ledger, Sweeper } from './app/ledger-api.js';
import type { SubscribeOptions, SubscriptionHandle } from './app/subscriptions-api.js';
import type { DrizzleDb } from './adapters/drizzle/db.js';
import type { Clock, DelegationStore, Logger } from './app/ports.js';
import { servicesModule } from './app/services-module.js';
import { TOKENS } from './app/tokens.js';
import { verifyProjections, type VerifyReport } from './app/verify.js';
import { createPinoLogger } from './adapters/logging/pino-logger.js';
import { memoryModule } from './adapters/memory/memory-module.js';
import { connectPostgres, openPglite } from './adapters/drizzle/connections.js';
import { drizzleModule } from './adapters/drizzle/drizzle-module.js';
import { ConfigurationError } from './domain/index.js';
import { MemoryDelegationStore } from './adapters/memory/memory-store.js';

export type CommonOptions = ConfigOverrides & {
  /** Default: the system clock for memory, the database's clock for database stores. */
  readonly clock?: Clock | undefined;
  /** Default: pino on stderr at LOG_LEVEL. */
  readonly logger?: Logger | undefined;
  /** Where DELEGATION_* variables are read; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
};

export type MemoryStoreOptions = CommonOptions & { readonly store: 'memory' };

type DatabaseOptions = CommonOptions & {
  /** Apply the committed migrations on start (default true; safe with many replicas). */
  readonly migrate?: boolean | undefined;
  /** Rows one sweep statement moves at most (default 25,000). */
  readonly sweepBatchSize?: number | undefined;
};

/** A PostgreSQL server: a connection string, or a host's own pg.Pool (left open by close()). */
export type PostgresStoreOptions = DatabaseOptions & {
  readonly store: 'postgres';
  readonly connectionString?: string | undefined;
  readonly pool?: pg.Pool | undefined;
  readonly poolSize?: number | undefined;
};

/** Embedded PGlite: persisted in `dataDir`, or in memory when none is given. */
export type PgliteStoreOptions = DatabaseOptions & { readonly store: 'pglite'; readonly dataDir?: string | undefined };

export type CreateDelegationsOptions = MemoryStoreOptions | PostgresStoreOptions | PgliteStoreOptions;

/** A wired ledger and sweeper, for hosts without a container of their own. */
export type Delegations = {
  readonly ledger: Ledger;
  readonly sweeper: Sweeper;
  readonly store: DelegationStore;
  readonly config: DelegationsConfig;
  readonly container: Container;
  /** Folds every stream and reports each projection row that differs from its events. */
  verify(): Promise<VerifyReport>;
  /** Delivers events in position order to a handler, checkpointed under its name; transactional mode hands it the Drizzle transaction. */
  subscribe(options: SubscribeOptions<DrizzleDb>): SubscriptionHandle;
  close(): Promise<void>;
};

export async function createDelegations(options: CreateDelegationsOptions): Promise<Delegations> {
  validateCreateOptions(options);
  const logger = options.logger ?? createPinoLogger();
  const container = new Container();
  const config = configModule(configOverrides(options), logger, options.env ?? process.env);
  container.load(config, await adapterModule(options), servicesModule);
  const sweeper = container.get(TOKENS.Sweeper);
  const store = container.get(TOKENS.Store);
  const subscriptions = container.get(TOKENS.Subscriptions);
  let closed = false;
  return {
    ledger: container.get(TOKENS.Ledger),
    sweeper,
    store,
    config: container.get(TOKENS.Config),
    container,
    verify: () => verifyProjections(store),
    subscribe: (subscription) => subscriptions.subscribe(subscription),
    async close() {
      if (closed) return;
      closed = true;
      await sweeper.stop();
      await subscriptions.stopAll();
      await store.close();
    },
  };
}

async function adapterModule(options: CreateDelegationsOptions): Promise<ContainerModule> {
  switch (options.store) {
    case 'memory':
      return memoryModule({ clock: options.clock, store: new MemoryDelegationStore() });
    case 'postgres':
      return drizzleModule(await connectPostgres(options), options);
    case 'pglite':
      return drizzleModule(await openPglite(options), options);
    default:
      throw new ConfigurationError(`unknown store ${String((options as { store: unknown }).store)}`);
  }
}

function configOverrides(options: CreateDelegationsOptions): ConfigOverrides {
  const { stuckThresholdMs, sweepIntervalMs, bootGraceMs, defaultDeadlineMs } = options;
  return { stuckThresholdMs, sweepIntervalMs, bootGraceMs, defaultDeadlineMs };
}
