import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI's bin runs dist/: rebuild it first when the sources are newer.
    globalSetup: ['test/support/build-dist.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { LOG_LEVEL: 'silent' },
    // Many files wait on PostgreSQL, PGlite or a child process: two workers keep both cores busy.
    maxWorkers: 2,
  },
});
