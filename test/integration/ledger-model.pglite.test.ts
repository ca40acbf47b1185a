import { describe, it } from 'vitest';
import { runLedgerModel, type BuildDelegations } from '../model/ledger-model.js';
import { delegationsOnPglite, usePglite } from '../support/pglite.js';

// Fewer runs than on memory: each command is a few round trips through the WASM database.
const NUM_RUNS = process.env.CI !== undefined ? 50 : 30;
const MAX_COMMANDS = 60;

const pglite = usePglite();

// Every run starts on emptied tables of the one PGlite this file opened. The model
// drives only the ledger, the sweeper and close(), which is all these services are.
const onPglite: BuildDelegations = ({ clock, config }) => delegationsOnPglite(pglite(), { clock, ...config });

describe('the ledger against its model (PGlite)', () => {
  it(`agrees with the model over ${NUM_RUNS} random command sequences`, async () => {
    await runLedgerModel(onPglite, { numRuns: NUM_RUNS, maxCommands: MAX_COMMANDS });
  });
});
