import { beforeAll, describe, expect, it } from 'vitest';
import { runCli as runInProcess } from '../../src/adapters/cli/main.js';
import { createProgram } from '../../src/adapters/cli/program.js';
import { STATUS_FILTERS } from '../../src/adapters/admin/list-query.js';
import { STATUSES } from '../../src/index.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { runCli, type Finished } from './support/processes.js';
import { CASES, seed } from './support/seed.js';

const OVERDUE = 2;

function expectOneErrorLine(result: Finished, code: number, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

/** For what needs no database: the same entry point as the bin, in this process, output captured. */
async function inProcess(...args: string[]): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  const code = await runInProcess(['node', 'delegations', ...args], { writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('the delegations CLI, each command a process on PostgreSQL', () => {
  const database = usePostgresDatabase('e2e_cli');
  const env = () => ({ DATABASE_URL: database().url });
  const cli = (...args: string[]) => runCli(args, { env: env() });
  const json = async (...args: string[]): Promise<unknown> => {
    const result = await cli(...args, '--json');
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };
  beforeAll(async () => {
    await seed({ store: 'postgres', connectionString: database().url }, { overdue: OVERDUE });
  });

  it('migrate, list, show and stats read the ledger as tables and as JSON', async () => {
    const [migrated, table, shown, stats] = await Promise.all([json('migrate'), cli('list'), cli('show', CASES.stuck), json('stats')]);
    expect(migrated).toEqual({ migrated: true, store: `PostgreSQL at 127.0.0.1:5432/${database().name}` });
    expect(table.code).toBe(0);
    const [head, ...rows] = table.stdout.trim().split('\n');
    expect(head).toMatch(/^ID\s+STATUS\s+ATTEMPT\s+CALLEE/);
    expect(rows).toHaveLength(3 + OVERDUE);
    expect(rows.find((row) => row.startsWith(CASES.stuck))).toMatch(/\bstuck\b.*no heartbeat for 700s/);
    expect(shown.stdout).toMatch(/^status\s+stuck$/m);
    expect(shown.stdout).toMatch(/^3\s+\d+\s+\S+\s+marked_stuck\s+dispatched\s+stuck\s+sweeper/m);
    expect(Object.keys(stats as object)).toEqual([...STATUSES]);
    expect(stats).toEqual({ queued: 1 + OVERDUE, dispatched: 0, in_progress: 1, stuck: 1, completed: 1, failed: 0, cancelled: 0 });
  });

  it('retry and cancel apply what is allowed; a refusal exits 1 with one line', async () => {
    const [retried, cancelled, refused] = await Promise.all([
      json('retry', CASES.stuck),
      cli('cancel', CASES.queued, '--reason', 'duplicate'),
      cli('cancel', CASES.done, '--json'),
    ]);
    expect(retried).toMatchObject({ outcome: 'applied', event: { type: 'requeued', attempt: 2 } });
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout.trim()).toBe(`${CASES.queued}: queued -> cancelled (cancelled, attempt 1)`);
    expectOneErrorLine(refused, 1, /^error: cancel refused \(\w+\): /);
    expect(JSON.parse(refused.stdout)).toMatchObject({ outcome: 'refused', delegation: { status: 'completed' } });
    const unknown = await withEnv(env(), () => inProcess('show', 'no-such-id'));
    expectOneErrorLine(unknown, 1, /^error: delegation no-such-id not found$/);
  });

  it('sweep --once fails the overdue and marks the silent stuck; verify finds every row matching its events', async () => {
    const swept = await json('sweep', '--once');
    // op-running's only heartbeat is an hour old (seeded on a clock an hour back), and a one-off sweep has no boot grace.
    expect(swept).toEqual({ deadlineFailures: OVERDUE, stuckMarked: 1, errors: 0, scanned: OVERDUE + 1 });
    expect(await json('verify')).toEqual({ checked: 4 + OVERDUE, mismatches: [] });
  });

  it('answers a usage error with exit code 2 and one line on stderr', async () => {
    const status = await cli('list', '--status', 'sleeping');
    expectOneErrorLine(status, 2, new RegExp(`^error: --status: unknown status "sleeping"; allowed: ${STATUS_FILTERS.join(', ')}$`));
    const both = await withEnv(env(), () => inProcess('stats', '--data-dir', '/tmp/x'));
    expectOneErrorLine(both, 2, /^error: --data-dir and DATABASE_URL both given/);
  });
});

describe('the delegations CLI in process (no database reached)', () => {
  it('has --help for the program and every command', async () => {
    const names = createProgram().commands.map((command) => command.name());
    const top = await inProcess('--help');
    expect(top.code).toBe(0);
    for (const name of names) expect(top.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    for (const name of names) {
      const help = await inProcess(name, '--help');
      expect(help.code, name).toBe(0);
      expect(help.stdout, name).toContain(`Usage: delegations ${name}`);
    }
    expect((await inProcess('list', '--help')).stdout.replace(/\s+/g, ' ')).toContain(`one of: ${STATUS_FILTERS.join(', ')}`);
  });

  it('maps every kind of usage error to exit code 2 with one line', async () => {
    const cases: [string[], RegExp][] = [
      [['list', '--limit', '0'], /^error: --limit: must be between 1 and 1000$/],
      [['list', '--limit', 'ten'], /^error: --limit: must be a whole number$/],
      [['list', '--bogus'], /^error: unknown option '--bogus'$/],
      [['show'], /^error: missing required argument 'id'$/],
      [['frobnicate'], /^error: unknown command 'frobnicate'$/],
      [['sweep'], /^error: sweep needs --once/],
      [['run', '--port', '99999'], /^error: invalid port "99999"/],
      [['demo', '--pace', 'fast'], /^error: --pace: /],
    ];
    for (const [args, pattern] of cases) expectOneErrorLine(await inProcess(...args), 2, pattern);
  });
});

/** Runs `work` with these variables set in this process, as the in-process CLI reads them from process.env. */
async function withEnv<T>(vars: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
