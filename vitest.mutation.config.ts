import { defineConfig } from 'vitest/config';

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
      'test/retention/retention.memory.test.ts',
      'test/retention/retention-loop.test.ts',
      'test/integration/sweeper-overrun.test.ts',
      'test/integration/webhooks.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { LOG_LEVEL: 'silent' },
    maxWorkers: 1,
  },
});
