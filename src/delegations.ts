import 'reflect-metadata';
import { Container } from 'inversify';
import type { ConfigOverrides, DelegationsConfig } from './app/config.js';
import { configModule } from './app/config-module.js';
import type { Ledger, Sweeper } from './app/ledger-api.js';
import type { Clock, DelegationStore, Logger } from './app/ports.js';
import { servicesModule } from './app/services-module.js';
import { TOKENS } from './app/tokens.js';
import { createPinoLogger } from './adapters/logging/pino-logger.js';
import { memoryModule } from './adapters/memory/memory-module.js';
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

export type CreateDelegationsOptions = MemoryStoreOptions;

/** A wired ledger and sweeper, for hosts without a container of their own. */
export type Delegations = {
  readonly ledger: Ledger;
  readonly sweeper: Sweeper;
  readonly store: DelegationStore;
  readonly config: DelegationsConfig;
  readonly container: Container;
  close(): Promise<void>;
};

export async function createDelegations(options: CreateDelegationsOptions): Promise<Delegations> {
  const logger = options.logger ?? createPinoLogger();
  const container = new Container();
  container.load(configModule(options, logger, options.env ?? process.env), adapterModule(options), servicesModule);
  const sweeper = container.get(TOKENS.Sweeper);
  const store = container.get(TOKENS.Store);
  let closed = false;
  return {
    ledger: container.get(TOKENS.Ledger),
    sweeper,
    store,
    config: container.get(TOKENS.Config),
    container,
    async close() {
      if (closed) return;
      closed = true;
      await sweeper.stop();
      await store.close();
    },
  };
}

function adapterModule(options: CreateDelegationsOptions) {
  switch (options.store) {
    case 'memory':
      return memoryModule({ clock: options.clock, store: new MemoryDelegationStore() });
    default:
      throw new Error(`unknown store ${String((options as { store: unknown }).store)}`);
  }
}
