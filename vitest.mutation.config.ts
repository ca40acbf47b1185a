import { defineConfig } from 'vitest/config';
import { QuickFirstSequencer } from './test/support/quick-first-sequencer.js';

/**
 * The suite StrykerJS runs against each mutant (`npm run test:mutation`): the memory tier only
 * (no database, no child process, no dist rebuild), so a full run stays bounded on 2 cores.
 * The unit project's files without the simulator (it takes half the tier's time and is not
 * what judges src/domain and src/app), plus the memory-only retention, sweeper and webhook
 * tests that live beside their database twins.
 */
export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/model/**/*.memory.test.ts',
      'test/contract/memory.contract.test.ts',
      'test/contract/bad-input.memory.test.ts',
      'test/retention/retention.memory.test.ts',
      'test/retention/retention-loop.test.ts',
      'test/integration/sweeper-overrun.test.ts',
      'test/integration/webhooks.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { LOG_LEVEL: 'silent' },
    maxWorkers: 1,
    // One module graph for the whole tier: StrykerJS runs the covering tests once per mutant, and
    // re-importing the sources for every file was three quarters of each run (61 s isolated, 19 s
    // not, for the whole tier). The tier's files share no module state that this would leak.
    isolate: false,
    sequence: { sequencer: QuickFirstSequencer },
  },
});
