import 'reflect-metadata';
import type { Container, ContainerModule } from 'inversify';
import type { ConfigOverrides, DelegationsConfig } from './app/config.js';
import { configModule } from './app/config-module.js';
import type { Ledger, Sweeper } from './app/ledger-api.js';
import type { Clock, DelegationStore, EventFeed, Logger, RandomSource } from './app/ports.js';
import { servicesModule } from './app/services-module.js';
import type { Subscriptions } from './app/subscriptions-api.js';
import { TOKENS } from './app/tokens.js';
import { verifyProjections, type VerifyReport } from './app/verify.js';
import type { Webhooks } from './app/webhooks-api.js';
import { createPinoLogger } from './adapters/logging/pino-logger.js';

export type WiringOptions = {
  /** One adapter family's module: memoryModule(...), drizzleModule(connection, ...) or a host's own. */
  readonly adapter: ContainerModule;
  readonly config?: ConfigOverrides | undefined;
  /** Default: pino on stderr at LOG_LEVEL. */
  readonly logger?: Logger | undefined;
  /** Where DELEGATION_* variables are read; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The jitter draws of retry backoffs; default Math.random. */
  readonly random?: RandomSource | undefined;
  /** Wraps the adapter's store before any service sees it (metrics, tracing): every write goes through it. */
  readonly decorateStore?: ((store: DelegationStore) => DelegationStore) | undefined;
};

/** The services of one container, resolved. */
export type WiredDelegations = {
  readonly ledger: Ledger;
  readonly sweeper: Sweeper;
  readonly subscriptions: Subscriptions;
  readonly store: DelegationStore;
  /** The event log as readers see it: the stream routes and the subscription lag read it. */
  readonly feed: EventFeed;
  readonly clock: Clock;
  readonly config: DelegationsConfig;
  /** The webhook endpoints and their deliveries (resolved on first use: a host's adapter family may bind no WebhookStore). */
  readonly webhooks: Webhooks;
  /** Folds every stream and reports each projection row that differs from its events. */
  verify(): Promise<VerifyReport>;
  /** Closes the store, which first stops the sweeper loop and the subscriptions (see servicesModule). */
  close(): Promise<void>;
};

/**
 * The one wiring of the library: configuration, one adapter family and the services,
 * loaded into `container` (a host's own, or a new one). createDelegations, the daemon,
 * the simulator, the test harnesses and the benches all build their services here.
 */
export function loadDelegations(container: Container, options: WiringOptions): WiredDelegations {
  const logger = options.logger ?? createPinoLogger();
  const { decorateStore } = options;
  // Registered before the modules load, so it wraps the adapter's store and servicesModule's closing wraps it.
  if (decorateStore !== undefined) container.onActivation(TOKENS.Store, (_context, store) => decorateStore(store));
  container.load(configModule(options.config ?? {}, logger, options.env ?? process.env), options.adapter, servicesModule);
  if (options.random !== undefined) container.bind(TOKENS.Random).toConstantValue(options.random);
  const store = container.get(TOKENS.Store);
  return {
    ledger: container.get(TOKENS.Ledger),
    sweeper: container.get(TOKENS.Sweeper),
    subscriptions: container.get(TOKENS.Subscriptions),
    store,
    feed: container.get(TOKENS.EventFeed),
    clock: container.get(TOKENS.Clock),
    config: container.get(TOKENS.Config),
    get webhooks() {
      return container.get(TOKENS.Webhooks);
    },
    verify: () => verifyProjections(store),
    close: () => store.close(),
  };
}
