import { describe, it } from 'vitest';
import fc from 'fast-check';
import { createDelegations } from '../../src/delegations.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { type BuildJittered, jitterProperty } from './jitter.js';

const NUM_RUNS = process.env.CI !== undefined ? 500 : 100;

const memory: BuildJittered = ({ clock, config, random }) => createDelegations({ store: 'memory', clock, random, logger: silentLogger, env: {}, ...config });

describe('retries with jitter (memory store)', () => {
  it(`wait within their bounds over ${NUM_RUNS} random policies and seeds`, async () => {
    await fc.assert(jitterProperty(memory), { numRuns: NUM_RUNS });
  });
});
