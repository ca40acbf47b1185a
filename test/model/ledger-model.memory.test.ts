import { describe, it } from 'vitest';
import { createDelegations } from '../../src/delegations.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { runLedgerModel, type BuildDelegations } from './ledger-model.js';

const NUM_RUNS = process.env.CI !== undefined ? 1000 : 200;

// Through the factory, so the services are wired by the same DI container a host without one gets.
const memory: BuildDelegations = ({ clock, config }) => createDelegations({ store: 'memory', clock, logger: silentLogger, env: {}, ...config });

describe('the ledger against its model (memory store)', () => {
  it(`agrees with the model over ${NUM_RUNS} random command sequences`, async () => {
    await runLedgerModel(memory, { numRuns: NUM_RUNS });
  });
});
