import { describe, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { createDelegations } from '../../src/delegations.js';
import { runLedgerModel, type BuildDelegations } from '../model/ledger-model.js';
import { usePostgresConnection } from '../support/postgres.js';

const NUM_RUNS = process.env.CI !== undefined ? 50 : 30;
const MAX_COMMANDS = 60;

const postgres = usePostgresConnection('model', 1);

// Through createDelegations on this file's database (migrated once by the connection), tables emptied per run.
const onPostgres: BuildDelegations = async ({ clock, config }) => {
  await postgres().reset();
  return createDelegations({
    store: 'postgres',
    connectionString: postgres().database.url,
    poolSize: 2,
    migrate: false,
    clock,
    logger: silentLogger,
    env: {},
    ...config,
  });
};

describe('the ledger against its model (PostgreSQL)', () => {
  it(`agrees with the model over ${NUM_RUNS} random command sequences`, async () => {
    await runLedgerModel(onPostgres, { numRuns: NUM_RUNS, maxCommands: MAX_COMMANDS });
  });
});
