import { DatabaseClock } from '../../src/adapters/drizzle/database-clock.js';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import {
  describeClockContract,
  describeDelegationStoreContract,
  describeInputContract,
  describeLedgerContract,
  describePolicyContract,
  describeSubscriptionContract,
  describeWaitForContract,
} from '../../src/testing.js';
import { pgliteLedger } from '../support/ledger-harness.js';
import { usePglite } from '../support/pglite.js';
import { databaseTarget } from '../support/subscriptions.js';

// One PGlite for the whole file (it takes seconds to start); each case empties its tables.
const pglite = usePglite();

describeDelegationStoreContract('PGlite', async () => {
  await pglite().reset();
  return new DrizzleDelegationStore(pglite().db);
});
describeClockContract('DatabaseClock on PGlite', () => new DatabaseClock(pglite().db));
describeLedgerContract('PGlite', pgliteLedger(pglite));
describePolicyContract('PGlite', pgliteLedger(pglite));
describeInputContract('PGlite', pgliteLedger(pglite));
describeWaitForContract('PGlite', pgliteLedger(pglite));
describeSubscriptionContract(databaseTarget('PGlite', () => pglite().shared));
