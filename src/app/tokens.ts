import type { ServiceIdentifier } from 'inversify';
import type { DelegationsConfig } from './config.js';
import type { Clock, DelegationStore, EventFeed, Logger, RandomSource, Timers } from './ports.js';
import type { Ledger, Sweeper, Waiters } from './ledger-api.js';
import type { StoreUsers } from './store-users.js';
import type { Subscriptions } from './subscriptions-api.js';
import type { Webhooks, WebhookSender, WebhookSettings, WebhookStore } from './webhooks-api.js';

/** Every DI token in one place; `Symbol.for` so two copies of the library still agree. */
export const TOKENS = {
  Clock: Symbol.for('delegations.Clock') as ServiceIdentifier<Clock>,
  /** Bound by each adapter family beside its Clock (timersFor: a clock's own timers, else the process's). */
  Timers: Symbol.for('delegations.Timers') as ServiceIdentifier<Timers>,
  Store: Symbol.for('delegations.Store') as ServiceIdentifier<DelegationStore>,
  Logger: Symbol.for('delegations.Logger') as ServiceIdentifier<Logger>,
  Config: Symbol.for('delegations.Config') as ServiceIdentifier<DelegationsConfig>,
  Ledger: Symbol.for('delegations.Ledger') as ServiceIdentifier<Ledger>,
  Sweeper: Symbol.for('delegations.Sweeper') as ServiceIdentifier<Sweeper>,
  EventFeed: Symbol.for('delegations.EventFeed') as ServiceIdentifier<EventFeed>,
  Subscriptions: Symbol.for('delegations.Subscriptions') as ServiceIdentifier<Subscriptions>,
  /** The waitFor waiters of one container, sharing one reader of the event feed. */
  Waiters: Symbol.for('delegations.Waiters') as ServiceIdentifier<Waiters>,
  /** Optional: the jitter draws of retry backoffs (Math.random unless bound; seed it in tests). */
  Random: Symbol.for('delegations.Random') as ServiceIdentifier<RandomSource>,
  /** The webhook endpoints and their delivery log: bound by each adapter family beside its Store. */
  WebhookStore: Symbol.for('delegations.WebhookStore') as ServiceIdentifier<WebhookStore>,
  /** Sends one signed delivery (the system family's fetch unless a host binds its own). */
  WebhookSender: Symbol.for('delegations.WebhookSender') as ServiceIdentifier<WebhookSender>,
  /** Optional: retry, pause and retention of webhook deliveries (DEFAULT_WEBHOOK_SETTINGS for what is not given). */
  WebhookSettings: Symbol.for('delegations.WebhookSettings') as ServiceIdentifier<Partial<WebhookSettings>>,
  Webhooks: Symbol.for('delegations.Webhooks') as ServiceIdentifier<Webhooks>,
} as const;

/** Internal to servicesModule (what must stop before the store closes); not for hosts to bind. */
export const STORE_USERS = Symbol.for('delegations.internal.StoreUsers') as ServiceIdentifier<StoreUsers>;
