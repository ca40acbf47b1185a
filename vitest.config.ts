import { defineConfig } from 'vitest/config';

/**
 * The unit tier (`npm run test:unit`): memory only, no database, no child process, seconds.
 * `npm test` runs both projects, so every file runs once.
 */
const UNIT = [
  'test/unit/**/*.test.ts',
  'test/model/**/*.memory.test.ts',
  'test/contract/memory.contract.test.ts',
  // Not cli.test.ts: it spawns the CLI.
  'test/simulator/!(cli).test.ts',
];

export default defineConfig({
  test: {
    // The CLI's bin runs dist/: rebuilt first when the sources are newer. At the root, so it
    // ends before any project's first test (a project's own global setup ran beside the other
    // project's tests, and a CLI test once met a dist being written).
    globalSetup: ['test/support/build-dist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { LOG_LEVEL: 'silent' },
    // Many files wait on PostgreSQL, PGlite or a child process: two workers keep both cores busy.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      { extends: true, test: { name: 'full', include: ['test/**/*.test.ts'], exclude: UNIT } },
    ],
  },
});
