// @ts-check
/**
 * Mutation testing (`npm run test:mutation`, not part of `npm test`): StrykerJS over the
 * domain and the application services, judged by the memory tier of the suite
 * (vitest.mutation.config.ts). Incremental: a rerun after a small change tests only the
 * mutants it touches. Reports land in reports/mutation/ (git-ignored).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  // related: off. perTest coverage already names each mutant's tests; finding the test files that import a
  // mutated file walks the whole module graph again on every mutant.
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: ['src/domain/**/*.ts', 'src/app/**/*.ts', '!src/app/tokens.ts', '!src/**/*-api.ts'],
  coverageAnalysis: 'perTest',
  // A static mutant (a module-level constant) runs the whole tier: 22% of the mutants for two
  // thirds of the time. Left out (reported as ignored) so a full run stays bounded on 2 cores.
  ignoreStatic: true,
  incremental: true,
  // Tracked, unlike the reports: a fresh clone reuses every result whose code and tests are
  // unchanged, so a rerun costs minutes instead of the hour and more a first run takes here.
  incrementalFile: 'mutation/stryker-incremental.json',
  reporters: ['clear-text', 'json', 'html', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  concurrency: 2,
  // The tier's tests take milliseconds: 5 s past the dry run's time is a hang, not a slow test.
  timeoutMS: 5_000,
  timeoutFactor: 2,
  ignorePatterns: ['dist', 'dist.next', 'dist.old', '.delegations', 'reports', 'bench/results', 'test-results', 'scratch', '*.log'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
};
