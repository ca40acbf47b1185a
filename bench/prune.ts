import type pg from 'pg';
import type { Ledger } from '../src/index.js';
import type { BenchContext } from './lib/context.js';
import { statusFixtureIds, statusFixtureSql, TRUNCATE } from './lib/fixtures.js';
import { postgresLibrary } from './lib/library.js';
import { figure, judge, type Figure } from './lib/measure.js';
import { benchPool } from './lib/postgres.js';
import { load, pgTarget } from './lib/sql-target.js';

const SECTION = '9. retention (PostgreSQL): prune of terminal history while transitions run';
const CONCURRENCY = 4;
const DAY = 86_400_000;
const HORIZON_MS = 30 * DAY;
const BATCH = 1000;
// The library's default (DEFAULT_PRUNE_REST) unless BENCH_PRUNE_REST says otherwise (0: flat out).
const REST = Number(process.env.BENCH_PRUNE_REST ?? 2);
const CHUNK = 250_000;

const COLUMNS = `delegation_id, caller_id, callee_id, task_preview, status, attempt, version, last_heartbeat,
  active_since, deadline, heartbeat_timeout_ms, progress, result_preview, error_detail, idempotency_key, created_at, updated_at`;

/**
 * `count` finished delegations numbered from `from`, each with its three events (created,
 * started, its end), ended between 400 and 100 days ago: a year of history past a 30-day horizon.
 */
function historySql(prefix: string, from: number, count: number, total: number): string[] {
  const range = `generate_series(${from}, ${from + count - 1}) AS i`;
  const ended = `now() - interval '400 days' + (i::float8 / ${total}) * interval '300 days'`;
  return [
    `INSERT INTO delegations (${COLUMNS})
      SELECT '${prefix}' || lpad(i::text, 8, '0'), 'caller-' || (i % 97), 'agent-' || (i % 31), 'finished task ' || i,
        (ARRAY['completed','failed','cancelled'])[1 + i % 3], 1, 3, NULL, ${ended} - interval '10 minutes',
        ${ended} + interval '6 hours', NULL, NULL, CASE WHEN i % 3 = 0 THEN 'ok' END, CASE WHEN i % 3 <> 0 THEN 'gave up' END, NULL,
        ${ended} - interval '11 minutes', ${ended}
      FROM ${range}`,
    `INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
      SELECT '${prefix}' || lpad(i::text, 8, '0'), v, 1,
        CASE v WHEN 1 THEN 'created' WHEN 2 THEN 'started' ELSE (ARRAY['completed','failed','cancelled'])[1 + i % 3] END,
        CASE v WHEN 1 THEN NULL WHEN 2 THEN 'queued' ELSE 'in_progress' END,
        CASE v WHEN 1 THEN 'queued' WHEN 2 THEN 'in_progress' ELSE (ARRAY['completed','failed','cancelled'])[1 + i % 3] END,
        'bench', '{}'::jsonb, ${ended} - interval '10 minutes' * (3 - v)
      FROM ${range}, generate_series(1, 3) AS v ORDER BY i, v`,
  ];
}

async function loadHistory(pool: pg.Pool, ctx: BenchContext, prefix: string, count: number): Promise<void> {
  for (let from = 1; from <= count; from += CHUNK) {
    ctx.progress(`retention: loading history ${from - 1} / ${count}`);
    await load(pgTarget(pool), historySql(prefix, from, Math.min(CHUNK, count - from + 1), count));
  }
}

type Window = { applied: number; ms: number };

/** Transitions (queued -> dispatched -> in_progress -> completed, fresh rows) at CONCURRENCY until `until` settles. */
async function transitionsUntil(ledger: Ledger, ids: readonly string[], cursor: { next: number }, until: Promise<unknown>): Promise<Window> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  let applied = 0;
  const started = performance.now();
  const worker = async () => {
    while (!done) {
      const id = ids[cursor.next++];
      if (id === undefined) throw new Error('retention bench: ran out of queued rows; raise the fixture');
      for (const status of ['dispatched', 'in_progress', 'completed'] as const) {
        if ((await ledger.setStatus(id, status)).outcome === 'applied') applied += 1;
      }
    }
  };
  await Promise.all([until, ...Array.from({ length: CONCURRENCY }, worker)]);
  return { applied, ms: performance.now() - started };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function add(total: Window, window: Window): void {
  total.applied += window.applied;
  total.ms += window.ms;
}

async function sizes(pool: pg.Pool): Promise<{ delegations: number; events: number }> {
  const { rows } = await pool.query<{ d: string; e: string }>(
    `SELECT pg_total_relation_size('delegations') AS d, pg_total_relation_size('delegation_events') AS e`,
  );
  return { delegations: Number(rows[0]?.d), events: Number(rows[0]?.e) };
}

const mib = (bytes: number) => bytes / 1024 / 1024;

export async function pruneSection(ctx: BenchContext): Promise<Figure[]> {
  const history = ctx.quick ? 50_000 : 1_000_000;
  const queued = ctx.quick ? 30_000 : 300_000;
  const windowMs = ctx.quick ? 1_000 : 5_000;
  const pool = benchPool(4);
  const lib = await postgresLibrary(8);
  const figures: Figure[] = [];
  try {
    await pool.query(TRUNCATE);
    await loadHistory(pool, ctx, 'h', history);
    await load(pgTarget(pool), statusFixtureSql({ prefix: 'q', count: queued, status: 'queued' }));
    await pool.query('VACUUM ANALYZE delegations, delegation_events');
    const ids = statusFixtureIds({ prefix: 'q', count: queued, status: 'queued' });
    const cursor = { next: 0 };
    await transitionsUntil(lib.ledger, ids, cursor, sleep(windowMs));
    // Alternating windows, the prune stopped (its signal) and resumed: a neighbour's burst of
    // load falls on both sides alike, as in pairedThroughput.
    const alone: Window = { applied: 0, ms: 0 };
    const during: Window = { applied: 0, ms: 0 };
    const pruned = { delegations: 0, events: 0, ms: 0, batches: 0 };
    for (let round = 1; pruned.delegations < history; round += 1) {
      ctx.progress(`retention: round ${round}, ${pruned.delegations} / ${history} pruned`);
      add(alone, await transitionsUntil(lib.ledger, ids, cursor, sleep(windowMs)));
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), windowMs);
      const started = performance.now();
      const pruning = lib.ledger.prune({ olderThanMs: HORIZON_MS, batchSize: BATCH, restRatio: REST, signal: stop.signal });
      add(during, await transitionsUntil(lib.ledger, ids, cursor, pruning));
      clearTimeout(timer);
      const result = await pruning;
      pruned.ms += performance.now() - started;
      pruned.delegations += result.delegationsDeleted;
      pruned.events += result.eventsDeleted;
      pruned.batches += result.batches;
      if (!result.aborted && pruned.delegations !== history) throw new Error(`retention bench: pruned ${pruned.delegations} of ${history}`);
    }
    const aloneRate = (alone.applied * 1000) / alone.ms;
    const duringRate = (during.applied * 1000) / during.ms;
    const share = duringRate / aloneRate;
    const seconds = pruned.ms / 1000;
    figures.push(
      figure(
        SECTION,
        `prune ${history.toLocaleString('en')} delegations (+${pruned.events.toLocaleString('en')} events), ${pruned.batches} batches of ${BATCH}, rest ratio ${REST}, ${seconds.toFixed(0)} s`,
        'delegations/s',
        [pruned.delegations / seconds],
      ),
      figure(SECTION, '  the same prune, rows (delegations + events) per second', 'rows/s', [(pruned.delegations + pruned.events) / seconds]),
      figure(SECTION, `ledger.setStatus at concurrency ${CONCURRENCY} while prune runs`, 'ops/s', [duringRate], {
        label: 'during / without prune',
        value: share,
        ...judge(ctx.quick, '>= 0.8', share >= 0.8),
      }),
      figure(SECTION, `ledger.setStatus at concurrency ${CONCURRENCY} without prune (the windows between)`, 'ops/s', [aloneRate]),
    );
    figures.push(...(await sizeCycles(pool, lib.ledger, ctx)));
    return figures;
  } finally {
    await lib.close();
    await pool.end();
  }
}

/**
 * Steady state: each cycle adds a batch of history past the horizon, measures the tables at
 * that peak, prunes it, then runs a plain VACUUM (what autovacuum does when it comes by; never
 * VACUUM FULL, which locks and rewrites) so the space is marked free. If freed space is reused
 * the peak stops growing. Btree pages a vacuum frees are reusable only after a later vacuum, so
 * the steady state starts at the second or third cycle; the growth is measured from the third.
 */
async function sizeCycles(pool: pg.Pool, ledger: Ledger, ctx: BenchContext): Promise<Figure[]> {
  const perCycle = ctx.quick ? 20_000 : 200_000;
  const cycles = 6;
  await pool.query(TRUNCATE);
  await pool.query('VACUUM delegations, delegation_events');
  const peaks: number[] = [];
  for (let cycle = 1; cycle <= cycles; cycle += 1) {
    ctx.progress(`retention: size cycle ${cycle} / ${cycles}`);
    await loadHistory(pool, ctx, `c${cycle}-`, perCycle);
    const size = await sizes(pool);
    peaks.push(mib(size.delegations + size.events));
    const result = await ledger.prune({ olderThanMs: HORIZON_MS, batchSize: BATCH });
    if (result.delegationsDeleted !== perCycle) throw new Error(`retention bench: cycle ${cycle} pruned ${result.delegationsDeleted}`);
    await pool.query('VACUUM delegations, delegation_events');
  }
  const third = peaks[2] as number;
  const last = peaks.at(-1) as number;
  const shown = peaks.map((t) => t.toFixed(1)).join(', ');
  return [
    figure(
      SECTION,
      `tables + indexes at each cycle's peak, ${cycles} cycles of ${perCycle.toLocaleString('en')} delegations added then pruned (${shown})`,
      'MiB',
      [last],
      {
        label: 'cycle 6 / cycle 3',
        value: last / third,
        ...judge(ctx.quick, '<= 1.05', last / third <= 1.05),
      },
    ),
    figure(SECTION, "  the first cycle's peak (the history alone, fresh tables)", 'MiB', [peaks[0] as number]),
  ];
}
