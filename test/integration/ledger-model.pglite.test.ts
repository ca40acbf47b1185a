import fc from 'fast-check';
import { describe, it } from 'vitest';
import { type BuildJittered, jitterProperty } from '../model/jitter.js';
import { runLedgerModel, type BuildDelegations } from '../model/ledger-model.js';
import { delegationsOnPglite, usePglite } from '../support/pglite.js';

// Fewer runs than on memory: each command is a few round trips through the WASM database.
const NUM_RUNS = process.env.CI !== undefined ? 50 : 30;
const MAX_COMMANDS = 60;
const JITTER_RUNS = process.env.CI !== undefined ? 50 : 20;

const pglite = usePglite();

// Every run starts on emptied tables of the one PGlite this file opened. The model
// drives only the ledger, the sweeper and close(), which is all these services are.
const onPglite: BuildDelegations = ({ clock, config }) => delegationsOnPglite(pglite(), { clock, ...config });
// The sweeper's jitter is the database's random(), the ledger's (a retryable failure) Math.random: bounds hold for any draw.
const jitteredOnPglite: BuildJittered = ({ clock, config }) => delegationsOnPglite(pglite(), { clock, ...config });

describe('the ledger against its model (PGlite)', () => {
  it(`agrees with the model over ${NUM_RUNS} random command sequences`, async () => {
    await runLedgerModel(onPglite, { numRuns: NUM_RUNS, maxCommands: MAX_COMMANDS });
  });

  it(`keeps jittered retries within their bounds over ${JITTER_RUNS} random policies`, async () => {
    await fc.assert(jitterProperty(jitteredOnPglite), { numRuns: JITTER_RUNS });
  });
});
