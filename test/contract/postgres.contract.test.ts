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
import { postgresLedger } from '../support/ledger-harness.js';
import { usePostgresConnection } from '../support/postgres.js';
import { databaseTarget } from '../support/subscriptions.js';

// A database of this file's own, one pool for the file (subscriptions and the feed's LISTEN need 6); each case empties its tables.
const postgres = usePostgresConnection('contract', 6);

describeDelegationStoreContract('PostgreSQL', async () => {
  await postgres().reset();
  return new DrizzleDelegationStore(postgres().db);
});
describeClockContract('DatabaseClock on PostgreSQL', () => new DatabaseClock(postgres().db));
describeLedgerContract(
  'PostgreSQL',
  postgresLedger(() => postgres().database),
);
describePolicyContract(
  'PostgreSQL',
  postgresLedger(() => postgres().database),
);
describeInputContract(
  'PostgreSQL',
  postgresLedger(() => postgres().database),
);
describeWaitForContract(
  'PostgreSQL',
  postgresLedger(() => postgres().database),
);
describeSubscriptionContract(databaseTarget('PostgreSQL', () => postgres().shared));
