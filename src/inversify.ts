/**
 * `delegation-ledger/inversify`: for a host that has a container of its own.
 * Load `configModule`, one adapter family's module and `servicesModule`, then
 * get the services by their typed `TOKENS`. inversify is a peer dependency, so
 * these modules and the host's container are one inversify.
 */
import 'reflect-metadata';

export { TOKENS } from './app/tokens.js';
export { configModule } from './app/config-module.js';
export { servicesModule } from './app/services-module.js';
export { memoryModule } from './adapters/memory/memory-module.js';
export { drizzleModule } from './adapters/drizzle/drizzle-module.js';
export { LedgerService } from './app/ledger.js';
export { SweeperService } from './app/sweeper.js';
export { SubscriptionService } from './app/subscriptions.js';
export { verifyProjections } from './app/verify.js';
export { resolveConfig } from './app/config.js';
export { loadDelegations, type WiringOptions, type WiredDelegations } from './wiring.js';
