import { Container } from 'inversify';
import type { Ledger, Sweeper } from '../../app/ledger-api.js';
import type { Clock, DelegationStore, Logger } from '../../app/ports.js';
import { servicesModule } from '../../app/services-module.js';
import { TOKENS } from '../../app/tokens.js';
import { MeteredStore } from './metered-store.js';
import type { DelegationMetrics } from './metrics.js';

export type MeteredServices = { readonly ledger: Ledger; readonly sweeper: Sweeper; readonly store: DelegationStore; readonly clock: Clock };

/**
 * A child of a wired container whose Store is the metered decorator: the ledger
 * and sweeper resolved here count what they write. Config, Clock and Logger come
 * from the parent; the parent's own ledger and sweeper are left unused.
 */
export function meteredServices(parent: Container, metrics: DelegationMetrics, logger: Logger): MeteredServices {
  const child = new Container({ parent });
  const store = new MeteredStore(parent.get(TOKENS.Store), metrics, logger);
  child.bind(TOKENS.Store).toConstantValue(store);
  child.load(servicesModule);
  return { ledger: child.get(TOKENS.Ledger), sweeper: child.get(TOKENS.Sweeper), store, clock: child.get(TOKENS.Clock) };
}
