import type { WiredDelegations } from '../src/inversify.js';
import type { BenchContext } from './lib/context.js';
import { statusFixtureIds, type StatusFixture } from './lib/fixtures.js';
import { postgresLibrary } from './lib/library.js';
import { expectSame, figure, judge, median, pairedThroughput, throughput, type Figure } from './lib/measure.js';
import { benchPool } from './lib/postgres.js';
import { pgTarget, type SqlTarget } from './lib/sql-target.js';
import { reset } from './transitions.js';

const SECTION = '3. heartbeats per second (PostgreSQL, in_progress rows)';
const POOL_SIZE = 16;
const BATCH = 1_000;

type Case = { readonly name: string; readonly batch: number; readonly concurrency: number; readonly goal?: number };

const RAW_ONE = `UPDATE delegations SET last_heartbeat = GREATEST(last_heartbeat, now())
  WHERE delegation_id = $1 AND status = 'in_progress'`;
const RAW_MANY = `UPDATE delegations d SET last_heartbeat = GREATEST(d.last_heartbeat, now())
  FROM unnest($1::text[]) AS b(id) WHERE d.delegation_id = b.id AND d.status = 'in_progress'`;

/** One unit of work (a beat, or a batch of beats) for each side; returns the beats recorded. */
function sides(lib: WiredDelegations, target: SqlTarget, batch: number) {
  if (batch === 1) {
    return {
      ledger: async (ids: string[]) => ((await lib.ledger.heartbeat(ids[0] as string)).outcome === 'recorded' ? 1 : 0),
      raw: async (ids: string[]) => Number((await target.query(RAW_ONE, ids)).rowCount),
    };
  }
  return {
    ledger: async (ids: string[]) => (await lib.ledger.heartbeatMany(ids)).filter((o) => o.outcome === 'recorded').length,
    raw: async (ids: string[]) => Number((await target.query(RAW_MANY, [ids])).rowCount),
    // Diagnostic: the raw statement handing back each row, as the ledger must for its answers.
    rawReturning: async (ids: string[]) => Number((await target.query(RAW_MANY_RETURNING, [ids])).rowCount),
  };
}

const RAW_MANY_RETURNING = `${RAW_MANY} RETURNING d.*`;

export async function heartbeatSection(ctx: BenchContext): Promise<Figure[]> {
  const rows = ctx.quick ? 4_000 : 16_000;
  const fixture: StatusFixture = { prefix: 'h', count: rows, status: 'in_progress' };
  const ids = statusFixtureIds(fixture);
  // Goals from issue 15: concurrent heartbeat() calls coalesce into one statement, so the ledger
  // should beat the raw one-row UPDATE at the same concurrency by a wide margin.
  const cases: Case[] = [
    { name: 'one call per heartbeat, concurrency 1', batch: 1, concurrency: 1 },
    { name: 'one call per heartbeat, concurrency 16', batch: 1, concurrency: 16, goal: 3 },
    { name: 'one call per heartbeat, concurrency 64', batch: 1, concurrency: 64, goal: 5 },
    { name: `heartbeatMany, batches of ${BATCH}, concurrency 1`, batch: BATCH, concurrency: 1, goal: 0.95 },
    { name: `heartbeatMany, batches of ${BATCH}, concurrency 4`, batch: BATCH, concurrency: 4 },
  ];
  const lib = await postgresLibrary(POOL_SIZE);
  const pool = benchPool(POOL_SIZE);
  const target = pgTarget(pool);
  const figures: Figure[] = [];
  const updatesBefore = await readUpdates();
  try {
    for (const c of cases) {
      const beatsPerRun = c.batch === 1 ? (ctx.quick ? 300 : 4_000) * Math.max(1, c.concurrency / 16) : ctx.quick ? 8_000 : 96_000;
      const units = Math.round(beatsPerRun / c.batch);
      const side = sides(lib, target, c.batch);
      const names = Object.keys(side) as (keyof typeof side)[];
      const runs = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<keyof typeof side, number[]>;
      for (let round = 0; round < ctx.rounds; round += 1) {
        ctx.progress(`heartbeats: ${c.name}, round ${round + 1}`);
        await reset(target, [fixture]);
        await throughput(2 * POOL_SIZE, POOL_SIZE, (i) => side.ledger([ids[i] as string]));
        await throughput(2 * POOL_SIZE, POOL_SIZE, (i) => side.raw([ids[i] as string]));
        const beats = Object.fromEntries(names.map((name) => [name, 0])) as Record<keyof typeof side, number>;
        // Consecutive units take disjoint slices of the rows, so concurrent batches never wait on each other's locks.
        const unit = (who: keyof typeof side) => async (i: number) => {
          const start = (i * c.batch) % rows;
          const recorded = await (side[who] as (ids: string[]) => Promise<number>)(ids.slice(start, start + c.batch));
          beats[who] += recorded;
        };
        const rates = await pairedThroughput(units, c.concurrency, Object.fromEntries(names.map((name) => [name, unit(name)])));
        for (const name of names) {
          expectSame(`${name} heartbeats recorded`, units * c.batch, beats[name]);
          runs[name].push((rates[name] as number) * c.batch);
        }
      }
      const ratio = median(runs.ledger) / median(runs.raw);
      const goal =
        c.goal !== undefined
          ? judge(ctx.quick, `>= ${c.goal}`, ratio >= c.goal)
          : c.batch > 1
            ? judge(ctx.quick, '>= 30,000/s', median(runs.ledger) >= 30_000)
            : {};
      figures.push(
        figure(SECTION, `ledger ${c.name}`, 'beats/s', runs.ledger, { label: 'ledger / raw', value: ratio, ...goal }),
        figure(
          SECTION,
          `raw SQL ${c.batch === 1 ? 'UPDATE per beat' : 'UPDATE ... FROM unnest(ids)'}, ${c.name.split(', ').slice(-1)[0]}`,
          'beats/s',
          runs.raw,
        ),
      );
      if ('rawReturning' in runs) {
        const returning = runs.rawReturning as number[];
        figures.push(
          figure(SECTION, `  diagnostic: raw UPDATE ... FROM unnest(ids) RETURNING d.*, ${c.name.split(', ').slice(-1)[0]}`, 'beats/s', returning, {
            label: 'ledger / raw returning',
            value: median(runs.ledger) / median(returning),
          }),
        );
      }
    }
  } finally {
    await lib.close();
    await pool.end();
  }
  figures.push(await hotShare(updatesBefore, 'over this section, both sides'));
  figures.push(await ledgerOnlyHotShare(ctx, fixture, ids));
  return figures;
}

/**
 * The same beats from the ledger alone (heartbeat() at concurrency 64, then heartbeatMany batches):
 * the raw side's 16 connections beat neighbouring rows of one page at once, and a page another
 * backend has pinned cannot be pruned, which costs HOT updates the ledger's single statement does not.
 */
async function ledgerOnlyHotShare(ctx: BenchContext, fixture: StatusFixture, ids: readonly string[]): Promise<Figure> {
  const lib = await postgresLibrary(POOL_SIZE);
  const pool = benchPool(1);
  try {
    await reset(pgTarget(pool), [fixture]);
  } finally {
    await pool.end();
  }
  const before = await readUpdates();
  try {
    const beats = ctx.quick ? 8_000 : 64_000;
    await throughput(beats, 64, (i) => lib.ledger.heartbeat(ids[i % ids.length] as string));
    await throughput(beats / BATCH, 1, (i) => lib.ledger.heartbeatMany(ids.slice((i * BATCH) % ids.length, ((i * BATCH) % ids.length) + BATCH)));
  } finally {
    await lib.close();
  }
  return hotShare(before, 'the ledger alone, the same beats');
}

async function hotShare(before: { updates: number; hot: number }, what: string): Promise<Figure> {
  // Read once every backend of the run has gone: a backend reports its counts when it exits (or idles a while).
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const after = await readUpdates();
  const updates = after.updates - before.updates;
  const share = (after.hot - before.hot) / updates;
  return figure(SECTION, `HOT share of the delegations table's updates, ${what} (${updates.toLocaleString('en-US')} updates)`, '%', [100 * share], {
    label: 'HOT / all updates',
    value: share,
    ...judge(false, '>= 0.9', share >= 0.9),
  });
}

async function readUpdates(): Promise<{ updates: number; hot: number }> {
  const pool = benchPool(1);
  try {
    return await tableUpdates(pgTarget(pool));
  } finally {
    await pool.end();
  }
}

/** The delegations table's update counters (pg_stat_user_tables), cumulative since the database was made. */
async function tableUpdates(target: SqlTarget): Promise<{ updates: number; hot: number }> {
  const { rows } = await target.query(
    `SELECT n_tup_upd AS updates, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relname = 'delegations' AND schemaname = 'public'`,
  );
  return { updates: Number(rows[0]?.updates ?? 0), hot: Number(rows[0]?.hot ?? 0) };
}
