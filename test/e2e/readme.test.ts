import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, finished, REPO } from './support/processes.js';

const README = join(REPO, 'README.md');
const TSX = join(REPO, 'node_modules', '.bin', 'tsx');
const MARK = '--- README example ';
/** The package's import paths: the root and its subpaths, each an entry file at the root of src/. */
const PACKAGE_IMPORT = /from 'delegation-ledger(?:\/([a-z]+))?'/g;

/** The README's TypeScript blocks that import the package: the embedding examples a newcomer copies. */
async function examples(): Promise<string[]> {
  const text = await readFile(README, 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string).filter((code) => code.includes("from 'delegation-ledger"));
}

describe("the README's embedding examples", () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('run as written (the package name and its subpaths pointed at the sources)', async () => {
    const blocks = await examples();
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    // Inside the repository, so the examples resolve inversify and friends from its node_modules.
    dir = await mkdtemp(join(REPO, '.readme-examples-'));
    const entry = (subpath: string | undefined) => relative(dir as string, join(REPO, 'src', `${subpath ?? 'index'}.ts`));
    const files = await Promise.all(
      blocks.map(async (code, i) => {
        const file = join(dir as string, `example-${i + 1}.mts`);
        await writeFile(
          file,
          code.replaceAll(PACKAGE_IMPORT, (_, subpath: string | undefined) => `from '${entry(subpath)}'`),
        );
        return file;
      }),
    );
    // One process imports them in turn (each tsx start costs a second and a half of CPU); a marker line separates their output.
    const runner = join(dir, 'run-all.mts');
    await writeFile(runner, files.map((file, i) => `console.log('${MARK}${i + 1}');\nawait import(${JSON.stringify(file)});\n`).join(''));
    const run = await finished(spawn(TSX, [runner], { cwd: REPO, env: childEnv({ LOG_LEVEL: 'warn' }), stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const outputs = run.stdout.split(new RegExp(`^${MARK}\\d+\\n`, 'm')).slice(1);
    expect(outputs).toHaveLength(blocks.length);
    outputs.forEach((output, i) => expect(output.trim(), `example ${i + 1} printed nothing:\n${blocks[i]}`).not.toBe(''));
    expect(outputs[0]?.trim()).toBe('applied');
  });

  it('documents every environment variable the code reads', async () => {
    const readme = await readFile(README, 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## CLI reference'));
    const names = new Set<string>();
    for (const file of await sourceFiles(join(REPO, 'src'))) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/env(?:\.|\[')([A-Z][A-Z0-9_]+)|\.env\('([A-Z][A-Z0-9_]+)'\)|ENV_\w+ = '([A-Z][A-Z0-9_]+)'/g))
        names.add((m[1] ?? m[2] ?? m[3]) as string);
    }
    expect([...names]).toEqual(expect.arrayContaining(['DATABASE_URL', 'DELEGATIONS_ADMIN_TOKEN', 'PORT', 'HOST', 'LOG_LEVEL']));
    for (const name of names) expect(table, name).toContain(`| \`${name}\` |`);
  });
});

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}
