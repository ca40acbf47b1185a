import { ContainerModule } from 'inversify';
import { LedgerService } from './ledger.js';
import { closingUsersFirst, StoreUsers } from './store-users.js';
import { SubscriptionService } from './subscriptions.js';
import { SweeperService } from './sweeper.js';
import { STORE_USERS, TOKENS } from './tokens.js';
import { DelegationWaiters } from './waiters.js';
import { WebhookService } from './webhooks.js';

/**
 * The app services. A host loads this with one adapter family's module and binds Config (and Logger).
 * Closing the Store this container hands out stops this container's sweeper loop and subscriptions first, and rejects its pending waitFor calls.
 */
export const servicesModule = new ContainerModule(({ bind, onActivation }) => {
  bind(TOKENS.Ledger).to(LedgerService).inSingletonScope();
  bind(TOKENS.Sweeper).to(SweeperService).inSingletonScope();
  bind(TOKENS.Subscriptions).to(SubscriptionService).inSingletonScope();
  bind(TOKENS.Waiters).to(DelegationWaiters).inSingletonScope();
  bind(TOKENS.Webhooks).to(WebhookService).inSingletonScope();
  // Per container: this callback runs on each load.
  bind(STORE_USERS).toConstantValue(new StoreUsers());
  onActivation(TOKENS.Store, (context, store) => closingUsersFirst(store, context.get(STORE_USERS)));
  onActivation(TOKENS.Sweeper, (context, sweeper) => {
    context.get(STORE_USERS).add(() => sweeper.stop());
    return sweeper;
  });
  onActivation(TOKENS.Subscriptions, (context, subscriptions) => {
    context.get(STORE_USERS).add(() => subscriptions.close());
    return subscriptions;
  });
  onActivation(TOKENS.Webhooks, (context, webhooks) => {
    context.get(STORE_USERS).add(() => webhooks.stop());
    return webhooks;
  });
  onActivation(TOKENS.Waiters, (context, waiters) => {
    context.get(STORE_USERS).add(() => waiters.close());
    return waiters;
  });
});
