import type { WiredDelegations } from '../src/inversify.js';
import { handWrittenSweep, seedSweep, THRESHOLD_MS } from './lib/competitors.js';
import { rotate, type BenchContext } from './lib/context.js';
import { sweepFixtureSql, TRUNCATE, type SweepFixture } from './lib/fixtures.js';
import { postgresLibrary } from './lib/library.js';
import { expectSame, figure, judge, median, timeMs, type Figure, type Ratio } from './lib/measure.js';
import { benchPool } from './lib/postgres.js';
import { load, pgTarget, type SqlTarget } from './lib/sql-target.js';

const SECTION = '1. sweep (PostgreSQL)';
type Variant = 'library' | 'store' | 'seed' | 'hand';

/** Each variant's sweep; every one must move exactly the fixture's due rows. */
function sweepers(lib: WiredDelegations, target: SqlTarget): Record<Variant, () => Promise<number>> {
  return {
    library: async () => {
      const result = await lib.sweeper.sweep();
      if (result.errors > 0) throw new Error('the library sweep failed');
      return result.deadlineFailures + result.stuckMarked;
    },
    store: async () => {
      const now = await lib.clock.now();
      const tally = await lib.store.sweep(now, { thresholdMs: THRESHOLD_MS, staleRuleActive: true }, 'sweeper');
      return tally.deadlineFailures + tally.stuckMarked;
    },
    seed: () => seedSweep(target),
    hand: () => handWrittenSweep(target),
  };
}

async function timedSweep(target: SqlTarget, fixture: SweepFixture, run: () => Promise<number>): Promise<number> {
  await target.query(TRUNCATE);
  await load(target, sweepFixtureSql(fixture));
  let moved = 0;
  const ms = await timeMs(async () => (moved = await run()));
  expectSame('rows moved by a sweep', fixture.due, moved);
  return ms;
}

export async function sweepSection(ctx: BenchContext): Promise<Figure[]> {
  const s = (n: number) => Math.round(n / ctx.scale);
  const lib = await postgresLibrary(4);
  const pool = benchPool(4);
  const target = pgTarget(pool);
  const run = sweepers(lib, target);
  try {
    const head: SweepFixture = { inFlight: s(100_000), due: s(10_000), terminal: s(400_000) };
    const label = `${head.inFlight.toLocaleString('en')} in flight, ${head.due.toLocaleString('en')} due, ${head.terminal.toLocaleString('en')} terminal`;
    const runs: Record<Variant, number[]> = { library: [], store: [], seed: [], hand: [] };
    for (let round = 0; round < ctx.rounds; round += 1) {
      for (const variant of rotate(['library', 'store', 'seed', 'hand'] as const, round)) {
        ctx.progress(`sweep ${variant}, round ${round + 1}`);
        runs[variant].push(await timedSweep(target, head, run[variant]));
      }
    }
    const lib10k = median(runs.library);
    const store10k = median(runs.store);
    const hand = median(runs.hand);
    const seed = median(runs.seed);
    // The targets are set for 10,000 due; the quick run's 500 say nothing about them.
    const judged = (label: string, value: number, target: string, met: boolean): Ratio => ({ label, value, ...judge(ctx.quick, target, met) });
    const figures = [
      figure(
        SECTION,
        `library sweep (sweeper.sweep: clock, statement, a pino line per event), ${label}`,
        'ms',
        runs.library,
        judged('library / hand-written', lib10k / hand, '<= 1.2', lib10k / hand <= 1.2),
        judged('seed / library', seed / lib10k, '>= 30', seed / lib10k >= 30),
      ),
      figure(
        SECTION,
        'library store.sweep (one page: clock and statement, no logging), same data',
        'ms',
        runs.store,
        judged('store / hand-written', store10k / hand, '<= 1.2', store10k / hand <= 1.2),
        judged('seed / store', seed / store10k, '>= 30', seed / store10k >= 30),
      ),
      figure(SECTION, `seed per-row algorithm (raw pg, a transaction per row), same data`, 'ms', runs.seed),
      figure(SECTION, `hand-written single statement (lower bound), same data`, 'ms', runs.hand, { label: 'seed / hand-written', value: seed / hand }),
    ];
    figures.push(...(await nothingDue(ctx, target, run, { ...head, due: 0 })));
    figures.push(...(await scaling(ctx, target, run.library, runs.library)));
    figures.push(...(await backlog(ctx, target, run.library)));
    return figures;
  } finally {
    await lib.close();
    await pool.end();
  }
}

async function nothingDue(ctx: BenchContext, target: SqlTarget, run: Record<Variant, () => Promise<number>>, fixture: SweepFixture) {
  ctx.progress('sweep with nothing due');
  await target.query(TRUNCATE);
  await load(target, sweepFixtureSql(fixture));
  const runs: Record<'library' | 'hand', number[]> = { library: [], hand: [] };
  for (let round = 0; round < Math.max(ctx.rounds, 5); round += 1) {
    for (const variant of rotate(['library', 'hand'] as const, round)) {
      let moved = -1;
      runs[variant].push(await timeMs(async () => (moved = await run[variant]())));
      expectSame('rows moved with nothing due', 0, moved);
    }
  }
  return [
    figure(
      SECTION,
      `library sweep, nothing due (${fixture.inFlight.toLocaleString('en')} in flight, ${fixture.terminal.toLocaleString('en')} terminal)`,
      'ms',
      runs.library,
      {
        label: 'library / hand-written',
        value: median(runs.library) / median(runs.hand),
      },
    ),
    figure(SECTION, `hand-written statement, nothing due`, 'ms', runs.hand),
  ];
}

/** Does terminal history cost the sweep anything? The same in-flight rows with and without it. */
async function scaling(ctx: BenchContext, target: SqlTarget, run: () => Promise<number>, headline: number[]): Promise<Figure[]> {
  const figures: Figure[] = [];
  const terminal = Math.round(400_000 / ctx.scale);
  for (const inFlight of [1_000, 10_000, 100_000].map((n) => Math.round(n / ctx.scale))) {
    const runs = { with: [] as number[], without: [] as number[] };
    const reuse = inFlight === Math.round(100_000 / ctx.scale);
    for (let round = 0; round < ctx.rounds; round += 1) {
      ctx.progress(`sweep scaling at ${inFlight} in flight, round ${round + 1}`);
      for (const side of rotate(['with', 'without'] as const, round)) {
        if (side === 'with' && reuse) continue;
        runs[side].push(await timedSweep(target, { inFlight, due: inFlight / 10, terminal: side === 'with' ? terminal : 0 }, run));
      }
    }
    if (reuse) runs.with = headline;
    const n = inFlight.toLocaleString('en');
    figures.push(
      figure(SECTION, `scaling: ${n} in flight (10% due), no terminal rows`, 'ms', runs.without),
      figure(SECTION, `scaling: ${n} in flight (10% due), +${terminal.toLocaleString('en')} terminal${reuse ? ' (headline runs)' : ''}`, 'ms', runs.with, {
        label: 'with / without terminal',
        value: median(runs.with) / median(runs.without),
      }),
    );
  }
  return figures;
}

/**
 * A backlog of four pages (100,000 due among 1,000,000 in flight at the default batch of 25,000)
 * in one sweeper.sweep(), with the process's memory sampled meanwhile: each page's events are
 * logged and dropped as the page commits, so the peak is one page's, not the backlog's.
 */
async function backlog(ctx: BenchContext, target: SqlTarget, run: () => Promise<number>): Promise<Figure[]> {
  const fixture: SweepFixture = { inFlight: Math.round(1_000_000 / ctx.scale), due: Math.round(100_000 / ctx.scale), terminal: 0 };
  const runs: number[] = [];
  const peaks: number[] = [];
  for (let round = 0; round < Math.min(ctx.rounds, 2); round += 1) {
    ctx.progress(`sweep backlog of ${fixture.due} among ${fixture.inFlight} in flight, round ${round + 1}`);
    await target.query(TRUNCATE);
    await load(target, sweepFixtureSql(fixture));
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    try {
      runs.push(await timedRun(fixture, run));
    } finally {
      clearInterval(sampler);
    }
    peaks.push((Math.max(peak, process.memoryUsage().rss) - before) / 2 ** 20);
    ctx.progress(`  rss before ${Math.round(before / 2 ** 20)} MiB, peak +${Math.round(peaks.at(-1) ?? 0)} MiB`);
  }
  const n = (v: number) => v.toLocaleString('en');
  return [
    figure(SECTION, `library sweep, backlog of ${n(fixture.due)} due among ${n(fixture.inFlight)} in flight (pages of 25,000)`, 'ms', runs, {
      label: 'due rows per second',
      value: (fixture.due * 1000) / median(runs),
    }),
    figure(SECTION, "same sweeps: the process's peak resident memory above its level before the sweep", 'MiB', peaks, {
      label: 'peak RSS of the process (MiB, lifetime)',
      value: process.resourceUsage().maxRSS / 1024,
    }),
  ];
}

async function timedRun(fixture: SweepFixture, run: () => Promise<number>): Promise<number> {
  let moved = 0;
  const ms = await timeMs(async () => (moved = await run()));
  expectSame('rows moved by a backlog sweep', fixture.due, moved);
  return ms;
}
