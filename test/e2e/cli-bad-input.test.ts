import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as runInProcess } from '../../src/adapters/cli/main.js';
import { createDelegations, silentLogger } from '../../src/index.js';
import { type CliCase, cliCorpus, type Places } from './support/cli-bad-input-corpus.js';
import { type Finished, REPO, runCli } from './support/processes.js';

const ENV_NAMES = ['DATABASE_URL', 'PORT', 'HOST'] as const;

/** The bin's entry in this process, output captured, with `env` set for the call only (the in-process CLI reads process.env). */
async function inProcess(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Finished> {
  const saved = ENV_NAMES.map((name) => [name, process.env[name]] as const);
  for (const name of ENV_NAMES) delete process.env[name];
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  try {
    const code = await runInProcess(['node', 'delegations', ...args], { writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
    return { code, stdout, stderr };
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** Every path under `root` with its size, the ledger's own files aside (opening a cluster touches them). */
async function tree(root: string, ledger: string): Promise<string> {
  const entries = await readdir(root, { recursive: true });
  const paths = entries.map((entry) => join(root, entry)).filter((path) => path !== ledger && !path.startsWith(`${ledger}/`));
  const sized = await Promise.all(paths.sort().map(async (path) => `${relative(root, path)}:${(await stat(path)).size}`));
  return [...sized, `repo .delegations: ${existsSync(join(REPO, '.delegations'))}`].join('\n');
}

/** What was wrong with a refusal; null when it is exit `code` with one line on stderr matching the case, and nothing on stdout. */
function problemOf(c: CliCase, result: Finished): string | null {
  const lines = result.stderr.trim().split('\n');
  if (result.code !== (c.code ?? 2)) return `exit ${result.code}: ${result.stderr.trim()}`;
  if (lines.length !== 1) return `${lines.length} lines on stderr: ${result.stderr.trim()}`;
  if (!c.line.test(lines[0] ?? '')) return `said ${lines[0]}`;
  if (result.stdout !== '') return `printed ${result.stdout.trim()}`;
  return null;
}

describe('the bad-input corpus at the command line', () => {
  let root = '';
  let places: Places;
  let busy: Server;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'delegations-cli-corpus-'));
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const address = busy.address();
    places = {
      ledger: join(root, 'ledger'),
      missing: join(root, 'missing'),
      empty: join(root, 'empty'),
      file: join(root, 'file.txt'),
      cluttered: join(root, 'cluttered'),
      busyPort: typeof address === 'object' && address !== null ? address.port : 0,
    };
    await mkdir(places.empty);
    await mkdir(places.cluttered);
    await writeFile(join(places.cluttered, 'notes.txt'), 'not a ledger');
    await writeFile(places.file, 'a file');
    expect((await inProcess(['migrate', '--data-dir', places.ledger])).code).toBe(0);
    const d = await createDelegations({ store: 'pglite', dataDir: places.ledger, logger: silentLogger });
    await d.ledger.create({ delegationId: 'x', callerId: 'c', calleeId: 'a', task: 't' });
    await d.close();
  }, 120_000);
  afterAll(async () => {
    busy.close();
    await rm(root, { recursive: true, force: true });
  });

  it('in process: every command line refused with exit 2 (or 1 for what the environment must fix) and one line, nothing created or changed', async () => {
    const corpus = cliCorpus(places);
    const problems: string[] = [];
    const codes = new Map<number | null, number>();
    let writes = 0;
    let before = await tree(root, places.ledger);
    for (const c of corpus) {
      const result = await inProcess(c.args, c.env);
      codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
      const problem = problemOf(c, result);
      if (problem !== null) problems.push(`${JSON.stringify(c.args)} ${JSON.stringify(c.env ?? {})}: ${problem}`);
      const after = await tree(root, places.ledger);
      if (after !== before) {
        writes += 1;
        problems.push(`${JSON.stringify(c.args)}: wrote\n${after}`);
      }
      before = after;
    }
    const d = await createDelegations({ store: 'pglite', dataDir: places.ledger, logger: silentLogger });
    const ledger = { rows: await d.ledger.list({ status: 'all' }), events: await d.ledger.history('x') };
    await d.close();
    const byCode = [...codes].map(([code, n]) => `exit ${code}: ${n}`).join(', ');
    console.info(
      `bad-input corpus, CLI in process: ${corpus.length} command lines, ${corpus.length - problems.length} refused as required (${byCode}), ${writes} wrote something`,
    );
    expect(problems).toEqual([]);
    expect(ledger).toMatchObject({ rows: [{ delegationId: 'x', status: 'queued', version: 1 }], events: [{ type: 'created' }] });
    expect(corpus.length).toBeGreaterThan(150);
  }, 300_000);

  it('as real processes: a read in a directory without a ledger, /proc, an empty --port, a bad DATABASE_URL, a port in use', async () => {
    const cwd = join(root, 'cwd');
    await mkdir(cwd);
    const cases: [readonly string[], Record<string, string>, number, RegExp][] = [
      [['stats'], {}, 2, /^error: no ledger in .*\/cwd\/\.delegations: pass --data-dir/],
      [['list', '--data-dir', ''], {}, 2, /^error: --data-dir: must not be empty$/],
      [['migrate', '--data-dir', '/proc/xyz'], {}, 2, /^error: --data-dir: cannot create data directory \/proc\/xyz/],
      [['run', '--port', ''], {}, 2, /^error: invalid port "" \(--port or PORT\)/],
      [['stats'], { DATABASE_URL: 'not-a-url' }, 2, /^error: DATABASE_URL: not a URL/],
      [['run', '--port', String(places.busyPort), '--data-dir', places.missing], { LOG_LEVEL: 'silent' }, 1, /^error: port \d+ on 127\.0\.0\.1 is in use/],
    ];
    const results = await Promise.all(cases.map(([args, env]) => runCli(args, { cwd, env })));
    const problems = results.flatMap((result, i) => {
      const [args, , code, line] = cases[i] as (typeof cases)[number];
      const problem = problemOf({ args, code: code as 1 | 2, line }, result);
      return problem === null ? [] : [`${JSON.stringify(args)}: ${problem}`];
    });
    console.info(`bad-input corpus, CLI processes: ${cases.length} command lines, ${cases.length - problems.length} refused as required`);
    expect(problems).toEqual([]);
    expect(await readdir(cwd)).toEqual([]);
    expect(existsSync(places.missing)).toBe(false);
  }, 120_000);
});
