import { DatabaseClock } from '../../src/adapters/drizzle/database-clock.js';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { postgresLedger } from '../support/ledger-harness.js';
import { usePostgresConnection } from '../support/postgres.js';
import { describeClockContract } from './clock.contract.js';
import { describeInputContract } from './input.contract.js';
import { describeLedgerContract } from './ledger.contract.js';
import { describeDelegationStoreContract } from './store.contract.js';

// A database of this file's own; each case empties its tables.
const postgres = usePostgresConnection('contract');

describeDelegationStoreContract('PostgreSQL', async () => {
  await postgres().reset();
  return new DrizzleDelegationStore(postgres().db);
});
describeClockContract('DatabaseClock on PostgreSQL', () => new DatabaseClock(postgres().db));
describeLedgerContract(
  'PostgreSQL',
  postgresLedger(() => postgres().database),
);
describeInputContract(
  'PostgreSQL',
  postgresLedger(() => postgres().database),
);
