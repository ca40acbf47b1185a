import { Container } from 'inversify';
import { openPglite } from '../src/drizzle.js';
import { configModule, drizzleModule, servicesModule, TOKENS } from '../src/inversify.js';
import { handWrittenSweep, seedSweep, THRESHOLD_MS } from './lib/competitors.js';
import { rotate, type BenchContext } from './lib/context.js';
import { sweepFixtureSql, TRUNCATE, type SweepFixture } from './lib/fixtures.js';
import { benchLogger } from './lib/library.js';
import { expectSame, figure, median, timeMs, type Figure } from './lib/measure.js';
import { load, pgliteTarget } from './lib/sql-target.js';

const SECTION = '4. sweep on PGlite (in-memory, in process)';

export async function pgliteSection(ctx: BenchContext): Promise<Figure[]> {
  ctx.progress('PGlite: starting');
  const connection = await openPglite({});
  const container = new Container();
  const logger = benchLogger();
  container.load(configModule({ stuckThresholdMs: THRESHOLD_MS, bootGraceMs: 0 }, logger, {}), drizzleModule(connection), servicesModule);
  const sweeper = container.get(TOKENS.Sweeper);
  const target = pgliteTarget(connection.client);
  const fixture: SweepFixture = ctx.quick ? { inFlight: 1_000, due: 100, terminal: 0 } : { inFlight: 10_000, due: 1_000, terminal: 0 };
  const variants = {
    library: async () => {
      const result = await sweeper.sweep();
      return result.deadlineFailures + result.stuckMarked;
    },
    seed: () => seedSweep(target),
    hand: () => handWrittenSweep(target),
  };
  const runs = { library: [] as number[], seed: [] as number[], hand: [] as number[] };
  try {
    for (let round = 0; round < ctx.rounds; round += 1) {
      for (const variant of rotate(['library', 'seed', 'hand'] as const, round)) {
        ctx.progress(`PGlite sweep ${variant}, round ${round + 1}`);
        await target.query(TRUNCATE);
        await load(target, sweepFixtureSql(fixture), true);
        let moved = 0;
        runs[variant].push(await timeMs(async () => (moved = await variants[variant]())));
        expectSame('rows moved by a PGlite sweep', fixture.due, moved);
      }
    }
  } finally {
    await sweeper.stop();
    await connection.close();
  }
  const label = `${fixture.inFlight.toLocaleString('en')} in flight, ${fixture.due.toLocaleString('en')} due`;
  const lib = median(runs.library);
  return [
    figure(SECTION, `library sweep (sweeper.sweep), ${label}`, 'ms', runs.library, { label: 'library / hand-written', value: lib / median(runs.hand) }),
    figure(SECTION, 'seed per-row algorithm, same data', 'ms', runs.seed, { label: 'seed / library', value: median(runs.seed) / lib }),
    figure(SECTION, 'hand-written single statement, same data', 'ms', runs.hand),
  ];
}
