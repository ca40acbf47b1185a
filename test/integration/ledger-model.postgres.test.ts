import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { RandomSource } from '../../src/app/ports.js';
import { jitterProperty } from '../model/jitter.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { createDelegations } from '../../src/delegations.js';
import { type ModelBuildOptions, runLedgerModel } from '../model/ledger-model.js';
import { usePostgresConnection } from '../support/postgres.js';

const NUM_RUNS = process.env.CI !== undefined ? 50 : 30;
const MAX_COMMANDS = 60;
const JITTER_RUNS = process.env.CI !== undefined ? 50 : 20;

const postgres = usePostgresConnection('model', 1);

// Through createDelegations on this file's database (migrated once by the connection), tables emptied per run.
// The sweeper's jitter is the database's random(); the ledger's (a retryable failure) the seeded source.
const onPostgres = async ({ clock, config, random }: ModelBuildOptions & { readonly random?: RandomSource }) => {
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
    ...(random === undefined ? {} : { random }),
  });
};

describe('the ledger against its model (PostgreSQL)', () => {
  it(`agrees with the model over ${NUM_RUNS} random command sequences`, async () => {
    await runLedgerModel(onPostgres, { numRuns: NUM_RUNS, maxCommands: MAX_COMMANDS });
  });

  it(`keeps jittered retries within their bounds over ${JITTER_RUNS} random policies`, async () => {
    await fc.assert(jitterProperty(onPostgres), { numRuns: JITTER_RUNS });
  });
});
