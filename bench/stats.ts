import { silentLogger } from '../src/index.js';
import { createMetrics } from '../src/adapters/metrics/metrics.js';
import type { WiredDelegations } from '../src/inversify.js';
import type { BenchContext } from './lib/context.js';
import { TRUNCATE } from './lib/fixtures.js';
import { postgresLibrary } from './lib/library.js';
import { expectSame, figure, judge, median, timeMs, type Figure } from './lib/measure.js';
import { benchPool } from './lib/postgres.js';
import { pgTarget, type SqlTarget } from './lib/sql-target.js';

const SECTION = '9. stats() at size (PostgreSQL)';
const CALLS = 31;

// One INSERT ... SELECT generate_series each, through the table's triggers (the counts are kept
// as a real load would keep them). No events: stats() never reads the log.
const rows = (prefix: string, count: number, statuses: string) => `
  INSERT INTO delegations (delegation_id, caller_id, callee_id, task_preview, status, attempt, version,
    last_heartbeat, active_since, deadline, created_at, updated_at)
  SELECT '${prefix}' || i, 'caller-' || (i % 97), 'agent-' || (i % 31), 'task ' || i,
    (ARRAY[${statuses}])[1 + i % ${statuses.split(',').length}], 1, 3, now(), now(),
    now() + interval '6 hours', now() - interval '40 days', now() - interval '39 days'
  FROM generate_series(1, ${count}) AS i`;

// What stats() was before the counts: every row of the table, grouped.
const COUNT_TABLE = 'SELECT status, count(*) AS n FROM delegations GROUP BY status';
// The cheapest exact count of the in-flight rows without counters: the partial index, index-only.
const COUNT_IN_FLIGHT = `SELECT status, count(*) AS n FROM delegations
  WHERE status IN ('queued', 'dispatched', 'in_progress', 'input_required', 'stuck') GROUP BY status`;

async function timed(calls: number, run: () => Promise<unknown>): Promise<number[]> {
  const runs: number[] = [];
  for (let i = 0; i < calls; i += 1) runs.push(await timeMs(run));
  return runs;
}

async function loadFixture(ctx: BenchContext, target: SqlTarget, inFlight: number, terminal: number): Promise<void> {
  ctx.progress(`stats fixture: ${inFlight.toLocaleString('en')} in flight, ${terminal.toLocaleString('en')} terminal`);
  await target.query(TRUNCATE);
  await target.query(rows('f', inFlight, `'queued','dispatched','in_progress','stuck','input_required'`));
  // In slices of a million: one statement's transition table of ten million rows spills to disk.
  for (let from = 0; from < terminal; from += 1_000_000) {
    const count = Math.min(1_000_000, terminal - from);
    await target.query(rows(`t${from / 1_000_000}-`, count, `'completed','failed','cancelled','rejected'`));
    ctx.progress(`stats fixture: ${(from + count).toLocaleString('en')} terminal rows`);
  }
  await target.query('VACUUM ANALYZE delegations');
  await target.query('CHECKPOINT');
}

export async function statsSection(ctx: BenchContext): Promise<Figure[]> {
  const inFlight = Math.round(1_000_000 / ctx.scale);
  const terminal = Math.round(10_000_000 / ctx.scale);
  const pool = benchPool(2);
  const target = pgTarget(pool);
  let lib: WiredDelegations | undefined;
  try {
    await loadFixture(ctx, target, inFlight, terminal);
    const opened = await postgresLibrary(2);
    lib = opened;
    const stats = await opened.ledger.stats();
    const truth = Object.fromEntries((await target.query(COUNT_TABLE)).rows.map((r) => [String(r.status), Number(r.n)]));
    for (const [status, n] of Object.entries(stats)) expectSame(`stats() ${status} against a count of the table`, truth[status] ?? 0, n);
    const metrics = createMetrics();
    metrics.observe({ sweeper: opened.sweeper, store: opened.store, logger: silentLogger });
    ctx.progress('stats() and its competitors');
    const library = await timed(CALLS, () => opened.ledger.stats());
    const gauge = await timed(CALLS, () => metrics.registry.getSingleMetricAsString('delegations_in_flight'));
    const inFlightIndex = await timed(Math.min(CALLS, 11), () => target.query(COUNT_IN_FLIGHT));
    const table = await timed(3, () => target.query(COUNT_TABLE));
    const label = `${inFlight.toLocaleString('en')} in flight, ${terminal.toLocaleString('en')} terminal`;
    const ms = median(library);
    return [
      figure(SECTION, `ledger.stats() (the triggers' counts), ${label}`, 'ms', library, {
        label: 'stats() / a budget of 50 ms',
        value: ms / 50,
        ...judge(ctx.quick, '<= 1', ms <= 50),
      }),
      figure(SECTION, 'the in-flight gauge (a scrape of delegations_in_flight), same data', 'ms', gauge),
      figure(SECTION, 'counting the in-flight rows exactly without counters (partial index, index-only scan)', 'ms', inFlightIndex, {
        label: 'index count / stats()',
        value: median(inFlightIndex) / ms,
      }),
      figure(SECTION, 'counting the whole table (stats() before this issue)', 'ms', table, { label: 'table count / stats()', value: median(table) / ms }),
    ];
  } finally {
    await lib?.close();
    await target.query(TRUNCATE);
    await pool.end();
  }
}
