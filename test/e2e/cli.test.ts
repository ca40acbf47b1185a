import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli as runInProcess } from '../../src/adapters/cli/main.js';
import { createProgram } from '../../src/adapters/cli/program.js';
import { STATUS_FILTERS } from '../../src/adapters/admin/list-query.js';
import { OPERATOR_REQUEUE_FROM, STATUSES, STOP_REASONS, type Status, TRANSITIONS } from '../../src/index.js';
import type { TestDatabase } from '../support/postgres.js';
import { childEnv, finished, REPO, runCli, type Finished } from './support/processes.js';
import { CASES, seed, withDatabase } from './support/seed.js';

const OVERDUE = 2;

function expectOneErrorLine(result: Finished, code: number, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

type Cli = { run(...args: string[]): Promise<Finished>; json(...args: string[]): Promise<unknown>; database: TestDatabase };

/** A seeded database of the test's own, and the CLI pointed at it through DATABASE_URL. */
function onSeededDatabase(label: string, work: (cli: Cli) => Promise<void>): () => Promise<void> {
  return () =>
    withDatabase(label, async (database) => {
      await seed({ store: 'postgres', connectionString: database.url }, { overdue: OVERDUE });
      const run = (...args: string[]) => runCli(args, { env: { DATABASE_URL: database.url } });
      const json = async (...args: string[]) => {
        const result = await run(...args, '--json');
        expect(result.code, result.stderr).toBe(0);
        return JSON.parse(result.stdout) as unknown;
      };
      await work({ run, json, database });
    });
}

// Concurrent: each test has a database of its own, and the time goes into child processes.
// Two minutes each: a test runs up to twenty processes, which on a busy 2-core machine took 45 s.
describe.concurrent('the delegations CLI, each command a process', { timeout: 120_000 }, () => {
  it(
    'migrate, list, show and stats read the ledger as tables and as JSON',
    onSeededDatabase('e2e_cli_read', async ({ run, json, database }) => {
      const [migrated, table, shown, stats] = await Promise.all([json('migrate'), run('list'), run('show', CASES.stuck), json('stats')]);
      expect(migrated).toEqual({ migrated: true, store: `PostgreSQL at 127.0.0.1:5432/${database.name}` });
      expect(table.code).toBe(0);
      const [head, ...rows] = table.stdout.trim().split('\n');
      expect(head).toMatch(/^ID\s+STATUS\s+ATTEMPT\s+CALLEE/);
      expect(rows).toHaveLength(3 + OVERDUE);
      expect(rows.find((row) => row.startsWith(CASES.stuck))).toMatch(/\bstuck\b.*no heartbeat for 700s/);
      expect(shown.stdout).toMatch(/^status\s+stuck$/m);
      expect(shown.stdout).toMatch(/^3\s+\d+\s+\S+\s+marked_stuck\s+dispatched\s+stuck\s+sweeper/m);
      expect(Object.keys(stats as object)).toEqual([...STATUSES]);
      expect(stats).toEqual({
        queued: 1 + OVERDUE,
        dispatched: 0,
        in_progress: 1,
        input_required: 0,
        stuck: 1,
        completed: 1,
        failed: 0,
        cancelled: 0,
        rejected: 0,
      });
    }),
  );

  it(
    'retry and cancel apply what is allowed; a refusal or an unknown id exits 1 with one line',
    onSeededDatabase('e2e_cli_write', async ({ run, json }) => {
      const [retried, cancelled, refused, unknown] = await Promise.all([
        json('retry', CASES.stuck),
        run('cancel', CASES.queued, '--reason', 'duplicate'),
        run('cancel', CASES.done, '--json'),
        run('show', 'no-such-id'),
      ]);
      expect(retried).toMatchObject({ outcome: 'applied', event: { type: 'requeued', attempt: 2 } });
      expect(cancelled.code).toBe(0);
      expect(cancelled.stdout.trim()).toBe(`${CASES.queued}: queued -> cancelled (cancelled, attempt 1)`);
      expectOneErrorLine(refused, 1, /^error: cancel refused \(\w+\): /);
      expect(JSON.parse(refused.stdout)).toMatchObject({ outcome: 'refused', delegation: { status: 'completed' } });
      expectOneErrorLine(unknown, 1, /^error: delegation no-such-id not found$/);
    }),
  );

  it(
    'sweep --once fails the overdue and, past the grace of a first sweep or with --no-grace, marks the silent stuck; verify finds every row matching its events',
    onSeededDatabase('e2e_cli_sweep', async ({ json }) => {
      // No sweep of this ledger ever completed: as after an outage, only the deadline rule applies.
      const first = await json('sweep', '--once');
      expect(first).toEqual({ deadlineFailures: OVERDUE, stuckMarked: 0, requeued: 0, retriesExhausted: 0, errors: 0, scanned: OVERDUE, skipped: [] });
      // op-running's only heartbeat is an hour old (seeded on a clock an hour back).
      const swept = await json('sweep', '--once', '--no-grace');
      expect(swept).toEqual({ deadlineFailures: 0, stuckMarked: 1, requeued: 0, retriesExhausted: 0, errors: 0, scanned: 1, skipped: [] });
      expect(await json('verify')).toEqual({ checked: 4 + OVERDUE, mismatches: [] });
    }),
  );

  it(
    'prune --dry-run counts what would go, prune deletes the completed delegation an hour old and nothing in flight',
    onSeededDatabase('e2e_cli_prune', async ({ run, json }) => {
      // Seeded an hour back: op-done completed then; every other case is in flight.
      const dry = await json('prune', '--older-than', '30m', '--dry-run');
      expect(dry).toMatchObject({ dryRun: true, delegationsDeleted: 0, wouldDelete: { delegations: 1, events: 2 }, heldBackBy: null });
      expect(await json('prune', '--older-than', '2h')).toMatchObject({ delegationsDeleted: 0, eventsDeleted: 0, batches: 1 });
      const pruned = await run('prune', '--older-than', '30m', '--batch-size', '1');
      expect(pruned.code, pruned.stderr).toBe(0);
      expect(pruned.stdout).toMatch(/^delegations deleted\s+1$/m);
      expect(pruned.stdout).toMatch(/^events deleted\s+2$/m);
      expect(pruned.stdout).toMatch(/^held back by\s+none$/m);
      expectOneErrorLine(await run('show', CASES.done), 1, /not found/);
      expect(await json('verify')).toEqual({ checked: 3 + OVERDUE, mismatches: [] });
    }),
  );

  it(
    "an agent's loop in the shell: create with a retry policy, claim, beat, ask and resume, fail retryable, stop when superseded",
    onSeededDatabase('e2e_cli_agent', async ({ run, json }) => {
      const policy = '{"maxAttempts":2,"initialDelayMs":60000,"jitter":0}';
      const created = await json('create', '--caller', 'shell', '--callee', 'shell-agent', '--task', 'sum the rows', '--id', 'sh-1', '--retry', policy);
      expect(created).toMatchObject({ delegationId: 'sh-1', status: 'queued', retry: { maxAttempts: 2, initialDelayMs: 60000, jitter: 0, backoffFactor: 2 } });
      expect(await json('claim', '--callee', 'shell-agent', '--limit', '5')).toMatchObject([{ delegationId: 'sh-1', status: 'dispatched', attempt: 1 }]);
      expect((await run('claim', '--callee', 'shell-agent')).stdout.trim()).toBe('nothing to claim for shell-agent');
      const beat = await run('heartbeat', 'sh-1', '--attempt', '1', '--progress', '0.25');
      expect(beat.code, beat.stderr).toBe(0);
      expect(beat.stdout).toMatch(/^stop\s+false$/m);
      expect(beat.stdout).toMatch(/^status\s+in_progress$/m);
      expect((await run('ask', 'sh-1', '--question', 'which quarter?', '--attempt', '1')).stdout.trim()).toBe(
        'sh-1: in_progress -> input_required (input_requested, attempt 1)',
      );
      expect((await run('show', 'sh-1')).stdout).toMatch(/^question\s+which quarter\?$/m);
      expect(await json('resume', 'sh-1', '--answer', 'Q3')).toMatchObject({ outcome: 'applied', event: { type: 'resumed', data: { answer: 'Q3' } } });
      const failed = await run('fail', 'sh-1', '--retryable', '--error', 'rate limited', '--attempt', '1');
      expect(failed.code, failed.stderr).toBe(0);
      expect(failed.stdout.trim()).toMatch(/^sh-1: in_progress -> queued \(requeued, attempt 2, agent_failure, available at \d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
      // The old attempt is told it was superseded; the new one that its backoff has not ended.
      expectOneErrorLine(await run('heartbeat', 'sh-1', '--attempt', '1'), 1, /^error: stop \(superseded\): attempt 1 was superseded by attempt 2$/);
      const early = await run('heartbeat', 'sh-1', '--attempt', '2', '--json');
      expectOneErrorLine(early, 1, /^error: stop \(not_available\): /);
      expect(JSON.parse(early.stdout)).toMatchObject({ stop: true, reason: 'not_available', status: 'queued', attempt: 2 });
      const history = (await run('show', 'sh-1')).stdout;
      expect(history).toMatch(/input_requested\s+in_progress\s+input_required\s+agent\s+1\s+question=which quarter\?$/m);
      expect(history).toMatch(/resumed\s+input_required\s+in_progress\s+caller\s+1\s+answer=Q3$/m);
      expect(history).toMatch(/requeued\s+in_progress\s+queued\s+agent\s+2\s+reason=agent_failure availableAt=\S+ error=rate limited$/m);
      const events = (await run('events', '--json')).stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; delegationId: string });
      expect(events.filter((e) => e.delegationId === 'sh-1').map((e) => e.type)).toEqual([
        'created',
        'dispatched',
        'started',
        'input_requested',
        'resumed',
        'requeued',
      ]);
      await json('create', '--caller', 'shell', '--callee', 'shell-agent', '--task', 'not mine', '--id', 'sh-2', '--no-retry');
      await json('claim', '--callee', 'shell-agent');
      expect((await run('reject', 'sh-2', '--reason', 'wrong team')).stdout.trim()).toBe('sh-2: dispatched -> rejected (rejected, attempt 1)');
      expectOneErrorLine(await run('heartbeat', 'sh-2'), 1, /^error: stop \(rejected\): /);
      expect(await json('verify')).toMatchObject({ mismatches: [] });
    }),
  );

  it('answers a usage error with exit code 2 and one line on stderr', async () => {
    const status = await runCli(['list', '--status', 'sleeping']);
    expectOneErrorLine(status, 2, new RegExp(`^error: --status: unknown status "sleeping"; allowed: ${STATUS_FILTERS.join(', ')}$`));
  });

  it('`npx delegations demo` plays the fates, a retry, a question and a cancelled runner, and prints the histories', async () => {
    // As the README tells a newcomer, without the real-time pauses.
    const demo = await finished(spawn('npx', ['delegations', 'demo', '--pace', '0'], { cwd: REPO, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(demo.code, demo.stderr).toBe(0);
    const out = demo.stdout;
    // Crash before the first heartbeat: caught one threshold after dispatch, not at the deadline.
    expect(out).toMatch(/^t\+ 90s {2}sweeper\s+sweep: 2 marked stuck$/m);
    expect(out).toMatch(/^\s+crash-early: dispatched -> stuck \(no heartbeat for 90s\)$/m);
    expect(out).toMatch(/^\s+slow-call: in_progress -> stuck \(no heartbeat for 70s\)$/m);
    expect(out).toMatch(/^t\+110s {2}slow-call\s+.*stuck -> in_progress \(recovered\)$/m);
    expect(out).toMatch(/^\s+crash-mid: in_progress -> stuck \(no heartbeat for 90s\)$/m);
    // crash-mid's policy requeues it 30 s after it went stuck; a fresh worker claims attempt 2 after its backoff and completes it.
    expect(out).toMatch(/^t\+150s {2}sweeper\s+sweep: 1 requeued by its retry policy$/m);
    expect(out).toMatch(/^\s+crash-mid: stuck -> queued \(attempt 2, claimable from t\+160s\)$/m);
    expect(out).toMatch(/^t\+160s {2}crash-mid\s+.*claims attempt 2: queued -> dispatched$/m);
    expect(out).toMatch(/^t\+210s {2}crash-mid\s+finishes on attempt 2: in_progress -> completed$/m);
    expect(out).toMatch(/^t\+210s {2}orchestrator\s+waitFor\(crash-mid\) resolves: completed on attempt 2/m);
    // The question: asked, silent (not marked stuck while input_required), answered, carried on.
    expect(out).toMatch(/^t\+ 30s {2}asks-caller\s+.*in_progress -> input_required \(input_requested\)$/m);
    expect(out).toMatch(/^t\+130s {2}orchestrator\s+answers asks-caller.*input_required -> in_progress \(resumed\)$/m);
    expect(out).toMatch(/^t\+140s {2}asks-caller\s+reads the answer and goes on \(answer "v2"\)$/m);
    expect(out).not.toMatch(/asks-caller: \S+ -> stuck/);
    // The runner's agent: cancelled at 90 s, its next beat (within one 20 s interval) stops it.
    expect(out).toMatch(/^t\+ 90s {2}orchestrator\s+cancels the translation: in_progress -> cancelled$/m);
    expect(out).toMatch(/^t\+100s {2}translator\s+.*aborts the work's signal .*10s after the cancel.*runDelegation resolves stopped \(cancelled\)$/m);
    // The wedged agent beats to the end; only the deadline stops it, and its next heartbeat is told so.
    expect(out).toMatch(/^\s+wedged-loop: in_progress -> failed \(deadline exceeded\)$/m);
    expect(out).toMatch(/^t\+340s {2}wedged-loop\s+heartbeat answered "stop"/m);
    const outcomes = Object.fromEntries(
      [...out.matchAll(/^(report-writer|crash-early|crash-mid|wedged-loop|slow-call|asks-caller|translator) +(\w+) +\S/gm)].map((m) => [m[1], m[2]]),
    );
    expect(outcomes).toEqual({
      'report-writer': 'completed',
      'crash-early': 'failed',
      'crash-mid': 'completed',
      'wedged-loop': 'failed',
      'slow-call': 'completed',
      'asks-caller': 'completed',
      translator: 'cancelled',
    });
    expect(out).toMatch(/^6\s+\d+\s+t\+150s\s+completed\s+in_progress\s+completed\s+agent/m);
    expect(out).toMatch(/^8\s+\d+\s+t\+210s\s+completed\s+in_progress\s+completed\s+agent\s+2\b/m);
  });
});

/** For what needs no database: the same entry point as the bin, in this process, output captured. */
async function inProcess(...args: string[]): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  const code = await runInProcess(['node', 'delegations', ...args], { writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

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
    // Status lists in help come from the transition table and the sets, never typed out.
    const help = async (name: string) => (await inProcess(name, '--help')).stdout.replace(/\s+/g, ' ');
    const into = (to: Status) => STATUSES.filter((from) => from !== to && TRANSITIONS[from].includes(to));
    expect(into('rejected')).toEqual(['dispatched', 'in_progress']);
    expect(await help('reject')).toContain('dispatched or in_progress -> rejected');
    expect(await help('ask')).toContain(`${into('input_required').join(' or ')} -> input_required`);
    expect(await help('fail')).toContain(`requeues from ${into('queued').slice(0, -1).join(', ')} or ${into('queued').at(-1)}`);
    expect(await help('retry')).toContain(`requeue a delegation that is ${OPERATOR_REQUEUE_FROM.join(' or ')} as a new attempt`);
    expect(await help('heartbeat')).toContain(STOP_REASONS.join(', '));
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
    // The in-process CLI reads process.env; this describe runs after the concurrent one, so nobody else sees it.
    process.env.DATABASE_URL = 'postgres://nobody@127.0.0.1:1/never-reached';
    try {
      expectOneErrorLine(await inProcess('stats', '--data-dir', '/tmp/x'), 2, /^error: --data-dir and DATABASE_URL both given/);
    } finally {
      delete process.env.DATABASE_URL;
    }
  });
});
