import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './processes.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** What a clean checkout holds that the package is built from; dist/ is left behind on purpose. */
const SOURCES = ['package.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'drizzle', 'scripts', 'src', 'ui'];
/** The host's own inversify: a different copy from ours would make two containers' worth of metadata. */
export const HOST_PEERS = ['inversify@8.2.3', 'reflect-metadata@0.2.2'];
// Offline-friendly: the packages come from npm's cache when it has them.
const QUIET = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/**
 * `npm pack` from a copy of the sources without dist/, as a clean clone packs
 * (the repository's own dist/ may be stale or absent): the tarball holds
 * whatever the package's own scripts build.
 */
export async function packFromSources(work: string): Promise<string> {
  const tree = join(work, 'source');
  await mkdir(tree);
  await Promise.all(SOURCES.map((entry) => cp(join(REPO, entry), join(tree, entry), { recursive: true })));
  await symlink(join(REPO, 'node_modules'), join(tree, 'node_modules'), 'dir');
  const { stdout } = await run(NPM, ['pack', '--json', '--pack-destination', work, ...QUIET], { cwd: tree, env: quietEnv() });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
  if (packed === undefined) throw new Error(`npm pack printed no tarball: ${stdout}`);
  return join(work, packed.filename);
}

/** A fresh host project: the tarball with production dependencies only, plus the host's own peers. */
export async function installIntoHost(work: string, tarball: string): Promise<string> {
  const host = join(work, 'host');
  await mkdir(host);
  await writeFile(join(host, 'package.json'), `${JSON.stringify({ name: 'host', private: true, type: 'module' }, null, 2)}\n`);
  await run(NPM, ['install', '--omit=dev', ...QUIET, tarball, ...HOST_PEERS], { cwd: host, env: quietEnv() });
  return host;
}

/** Every installed package directory's name under node_modules (scoped ones as `@scope/name`), with repeats. */
export async function installedPackages(root: string): Promise<string[]> {
  const names: string[] = [];
  const walk = async (modules: string): Promise<void> => {
    const entries = await readdir(modules, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const scoped = entry.name.startsWith('@');
      const dirs = scoped ? (await readdir(join(modules, entry.name))).map((name) => `${entry.name}/${name}`) : [entry.name];
      for (const name of dirs) {
        names.push(name);
        await walk(join(modules, name, 'node_modules'));
      }
    }
  };
  await walk(join(root, 'node_modules'));
  return names;
}

export function quietEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Set when the tests run under `npm test`: they would steer the nested npm (another prefix, a dry run).
  for (const name of Object.keys(env)) if (name.startsWith('npm_') && name !== 'npm_config_cache') delete env[name];
  return { ...env, npm_config_update_notifier: 'false' };
}
