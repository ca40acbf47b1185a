import { describe } from 'vitest';
import { DatabaseClock } from '../../src/adapters/drizzle/database-clock.js';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { preparedSwitch } from '../../src/adapters/drizzle/pooler.js';
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
import { skipPgBouncer, through, usePgBouncer } from '../support/pgbouncer.js';
import { usePostgresConnection } from '../support/postgres.js';
import { databaseTarget } from '../support/subscriptions.js';

// The fourth target: PostgreSQL through PgBouncer in transaction mode, with every option at its
// default, so the pooler is detected (no named statements, polling instead of LISTEN).
describe.skipIf(await skipPgBouncer())('through PgBouncer (transaction pooling)', () => {
  const bouncer = usePgBouncer();
  const postgres = usePostgresConnection('contract_pgbouncer', 6, through(bouncer));

  describeDelegationStoreContract('PostgreSQL through PgBouncer', async () => {
    await postgres().reset();
    return new DrizzleDelegationStore(postgres().db, { preparedStatements: preparedSwitch('auto', postgres().shared.pooler) });
  });
  describeClockContract('DatabaseClock through PgBouncer', () => new DatabaseClock(postgres().db));
  describeLedgerContract(
    'PostgreSQL through PgBouncer',
    postgresLedger(() => postgres().database),
  );
  describePolicyContract(
    'PostgreSQL through PgBouncer',
    postgresLedger(() => postgres().database),
  );
  describeInputContract(
    'PostgreSQL through PgBouncer',
    postgresLedger(() => postgres().database),
  );
  describeWaitForContract(
    'PostgreSQL through PgBouncer',
    postgresLedger(() => postgres().database),
  );
  describeSubscriptionContract(databaseTarget('PostgreSQL through PgBouncer', () => postgres().shared));
});
