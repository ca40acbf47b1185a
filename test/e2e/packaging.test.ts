import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUSES } from '../../src/index.js';
import { installedPackages, installIntoHost, packFromSources } from './support/package-host.js';
import { ESM_HOST, SURFACE_HOST, TS_BASELINE, TS_HOST, TS_HOST_CONFIG } from './support/package-hosts.js';
import { childEnv, finished, REPO, type Finished } from './support/processes.js';

const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
/** Subpaths the README's Install section imports that the hosts here leave out: `./testing` loads vitest, an optional peer a production install lacks (it ships, checked below; the contract tests run it). */
const UNCHECKED_SUBPATHS = ['delegation-ledger/testing'];
/** Internals: helpers of the domain and the services that no import path may expose. */
const INTERNALS = [
  'phaseOf',
  'assertNever',
  'staleDetail',
  'utf8Length',
  'truncateUtf8',
  'ChangeSignal',
  'recordHeartbeat',
  'livenessReference',
  'sweepVerdict',
  'problemsOf',
];

function node(args: readonly string[], cwd: string): Promise<Finished> {
  return finished(spawn(process.execPath, args, { cwd, env: childEnv({ LOG_LEVEL: 'warn' }), stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** The `js` block of the README's Install section: the import lines a newcomer copies, one per subpath. */
async function readmeImports(): Promise<string> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Install'), readme.indexOf('\n## ', readme.indexOf('## Install') + 1));
  const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error("the README's Install section has no js block of imports");
  return block
    .split('\n')
    .filter((line) => !UNCHECKED_SUBPATHS.some((subpath) => line.includes(`'${subpath}'`)))
    .join('\n');
}

// One tarball, one host: packing and installing is most of the minute, the three checks share it.
describe('the packed package, installed into a fresh host with production dependencies only', () => {
  let work: string;
  let host: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'delegations-package-'));
    host = await installIntoHost(work, await packFromSources(work));
  }, 180_000);
  afterAll(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('ships built JavaScript and declarations, not the TypeScript sources, and lists inversify as a peer', async () => {
    const installed = join(host, 'node_modules', 'delegation-ledger');
    for (const entry of ['index', 'inversify', 'drizzle', 'memory', 'simulator', 'testing', 'client']) {
      expect(existsSync(join(installed, 'dist', `${entry}.js`)), `dist/${entry}.js`).toBe(true);
      expect(existsSync(join(installed, 'dist', `${entry}.d.ts`)), `dist/${entry}.d.ts`).toBe(true);
    }
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(installed, 'tsconfig.json'))).toBe(false);
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect(Object.keys(manifest.peerDependencies ?? {})).toEqual(expect.arrayContaining(['inversify', 'reflect-metadata']));
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('inversify');
    expect(Object.keys(manifest.dependencies ?? {})).toContain('@types/pg');
  });

  it('exposes the API in tiers, one import path each, and no internals on any of them', async () => {
    await writeFile(join(host, 'surface.mjs'), SURFACE_HOST);
    const result = await node(['surface.mjs'], host);
    expect(result.code, result.stderr).toBe(0);
    const surface = JSON.parse(result.stdout) as Record<string, string[]>;
    const root = [
      'createDelegations',
      'STATUSES',
      'TRANSITIONS',
      'EVENT_TYPES',
      'decide',
      'evolve',
      'InvalidInputError',
      'ConcurrencyError',
      'SubscriptionFailedError',
      'StoreClosedError',
      'DataDirectoryInUseError',
      'DataDirectoryError',
      'DatabaseTimeoutError',
      'WaitTimeoutError',
      'DelegationNotFoundError',
      'runDelegation',
      'RetryableError',
      'DelegationStoppedError',
      'silentLogger',
    ];
    expect(surface['.']).toEqual(expect.arrayContaining(root));
    expect(surface['./inversify']).toEqual(
      expect.arrayContaining([
        'TOKENS',
        'configModule',
        'servicesModule',
        'memoryModule',
        'drizzleModule',
        'LedgerService',
        'SweeperService',
        'SubscriptionService',
      ]),
    );
    expect(surface['./drizzle']).toEqual(
      expect.arrayContaining(['schema', 'connectPostgres', 'openPglite', 'migrate', 'migratePostgres', 'DrizzleDelegationStore', 'DatabaseClock']),
    );
    expect(surface['./memory']).toEqual(expect.arrayContaining(['MemoryDelegationStore', 'VirtualClock', 'SystemTimers']));
    expect(surface['./simulator']).toEqual(expect.arrayContaining(['simulate', 'formatTable']));
    expect(surface['./client']).toEqual(
      expect.arrayContaining([
        'createClient',
        'DelegationsClient',
        'runDelegation',
        'AccessDeniedError',
        'ServiceUnavailableError',
        'RequestTimeoutError',
        'ServiceError',
        'InvalidInputError',
        'WaitTimeoutError',
        'DelegationStoppedError',
      ]),
    );
    // The client is for processes that embed no ledger: no store, container or facade on its path.
    expect(surface['./client']?.filter((name) => ['createDelegations', 'TOKENS', 'connectPostgres', 'MemoryDelegationStore'].includes(name))).toEqual([]);
    // The root is the facade's tier: containers and adapters have their own paths.
    expect(
      surface['.']?.filter((name) => ['TOKENS', 'configModule', 'LedgerService', 'MemoryDelegationStore', 'connectPostgres', 'schema'].includes(name)),
    ).toEqual([]);
    for (const [path, names] of Object.entries(surface))
      expect(
        names.filter((name) => INTERNALS.includes(name)),
        path,
      ).toEqual([]);
  });

  it('(a) a plain ESM host loads our modules into its own container and runs create, sweep, subscribe and verify on memory and PGlite', async () => {
    const packages = await installedPackages(host);
    // One inversify in the whole tree: the host's. A second copy is how a host on another major broke.
    expect(packages.filter((name) => name === 'inversify')).toHaveLength(1);
    await writeFile(join(host, 'host.mjs'), ESM_HOST);
    const result = await node(['host.mjs'], host);
    expect(result.code, result.stderr).toBe(0);
    const runs = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(runs.map((r) => r.store)).toEqual(['memory', 'pglite']);
    for (const run of runs) {
      expect(run.status, String(run.store)).toBe('stuck');
      expect(run.sweep).toEqual({ deadlineFailures: 0, stuckMarked: 1, requeued: 0, retriesExhausted: 0, errors: 0, scanned: 1, skipped: [] });
      expect(run.seen).toEqual(['created', 'dispatched', 'marked_stuck']);
      expect(run.verify).toEqual({ checked: 1, mismatches: [] });
    }
    // The README's import lines, as written, name only what the subpaths export.
    await writeFile(join(host, 'readme-imports.mjs'), await readmeImports());
    const imports = await node(['readme-imports.mjs'], host);
    expect(imports.code, imports.stderr).toBe(0);
  });

  it('(b) a strict TypeScript host (NodeNext, skipLibCheck: false) type-checks against our declarations', async () => {
    await writeFile(join(host, 'host.ts'), TS_HOST);
    await writeFile(join(host, 'baseline.ts'), TS_BASELINE);
    const project = async (file: string) => {
      await writeFile(join(host, `tsconfig.${file}.json`), JSON.stringify({ ...TS_HOST_CONFIG, files: [`${file}.ts`] }, null, 2));
      const result = await node([TSC, '-p', `tsconfig.${file}.json`], host);
      // Where and which error, without the message: tsc prints a union's members in the order it met them.
      return (result.stdout + result.stderr).split('\n').flatMap((line) => /^.*?: error TS\d+/.exec(line)?.[0] ?? []);
    };
    const [ours, theirs] = await Promise.all([project('host'), project('baseline')]);
    // What drizzle-orm and PGlite report about themselves is theirs; every other error (a module our .d.ts import that is not installed, an `any` pool) is ours.
    expect(theirs.filter((line) => !/^node_modules\/(drizzle-orm|@electric-sql\/pglite)\//.test(line))).toEqual([]);
    expect(ours.filter((line) => !theirs.includes(line))).toEqual([]);
    // Two full checks of drizzle-orm's declarations: about 20 s on an idle machine, more on a busy one.
  }, 120_000);

  it('(c) the installed `delegations` answers --help, migrate, stats and simulate (on worker threads), with no tsx or esbuild in the tree', async () => {
    const packages = await installedPackages(host);
    expect(packages.filter((name) => /^(tsx|esbuild|@esbuild\/.*|typescript)$/.test(name))).toEqual([]);
    const bin = join(host, 'node_modules', '.bin', 'delegations');
    const help = await node([bin, '--help'], host);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: delegations /);
    const dataDir = join(work, 'data');
    const migrated = await node([bin, 'migrate', '--data-dir', dataDir, '--json'], host);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ migrated: true });
    const stats = await node([bin, 'stats', '--data-dir', dataDir, '--json'], host);
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout)).toEqual(Object.fromEntries(STATUSES.map((status) => [status, 0])));
    // The simulator's worker threads load compiled workers too: tsx is not there to fall back on.
    const simulated = await node(
      [bin, 'simulate', ...['--agents', '20', '--hours', '0.2', '--thresholds', '60,120', '--intervals', '30', '--jobs', '2', '--json']],
      host,
    );
    expect(simulated.code, simulated.stderr).toBe(0);
    expect((JSON.parse(simulated.stdout) as { settings: unknown[] }).settings).toHaveLength(2);
  });
});
