import { ContainerModule } from 'inversify';
import type { Clock } from '../../app/ports.js';
import { TOKENS } from '../../app/tokens.js';
import { SystemClock } from '../system/system-clock.js';
import { FetchWebhookSender } from '../system/fetch-webhook-sender.js';
import { timersFor } from '../system/system-timers.js';
import { MemoryEventFeed } from './memory-event-feed.js';
import { MemoryDelegationStore } from './memory-store.js';
import { MemoryWebhookStore } from './memory-webhook-store.js';

/** The in-memory adapter family: a store per container and, unless given one, the system clock (and the timers that go with the clock). */
export function memoryModule(options: { clock?: Clock | undefined; store?: MemoryDelegationStore | undefined } = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const store = options.store ?? new MemoryDelegationStore();
    bind(TOKENS.Store).toConstantValue(store);
    bind(TOKENS.Clock).toConstantValue(options.clock ?? new SystemClock());
    bind(TOKENS.Timers).toConstantValue(timersFor(options.clock));
    bind(TOKENS.EventFeed).toConstantValue(new MemoryEventFeed(store));
    bind(TOKENS.WebhookStore).toConstantValue(new MemoryWebhookStore());
    bind(TOKENS.WebhookSender).toConstantValue(new FetchWebhookSender());
  });
}
