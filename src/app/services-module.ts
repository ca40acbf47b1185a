import { ContainerModule } from 'inversify';
import { LedgerService } from './ledger.js';
import { SubscriptionService } from './subscriptions.js';
import { SweeperService } from './sweeper.js';
import { TOKENS } from './tokens.js';

/** The app services. A host loads this with one adapter family's module and binds Config (and Logger). */
export const servicesModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.Ledger).to(LedgerService).inSingletonScope();
  bind(TOKENS.Sweeper).to(SweeperService).inSingletonScope();
  bind(TOKENS.Subscriptions).to(SubscriptionService).inSingletonScope();
});
