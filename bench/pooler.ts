import { openDelegations } from '../src/delegations.js';
import type { WiredDelegations } from '../src/inversify.js';
import { startPgBouncer, type PgBouncer } from '../test/support/pgbouncer-process.js';
import { THRESHOLD_MS } from './lib/competitors.js';
import { rotate, type BenchContext } from './lib/context.js';
import { sweepFixtureSql, TRUNCATE, type SweepFixture } from './lib/fixtures.js';
import { benchLogger } from './lib/library.js';
import { expectSame, figure, median, pairedThroughput, timeMs, type Figure } from './lib/measure.js';
import { BENCH_DATABASE, BENCH_URL, benchPool, SERVER_URL } from './lib/postgres.js';
import { load, pgTarget, type SqlTarget } from './lib/sql-target.js';

const SECTION = '9. through PgBouncer in transaction mode vs direct (PostgreSQL)';
const POOL_SIZE = 16;
const CONCURRENCY = 16;
type Side = 'direct' | 'direct, unnamed statements' | 'PgBouncer';
const SIDES: readonly Side[] = ['direct', 'direct, unnamed statements', 'PgBouncer'];
const PREFIX: Record<Side, string> = { direct: 'd', 'direct, unnamed statements': 'u', PgBouncer: 'b' };

/** Each side as a host would open it, every option at its default but the diagnostic's. */
function open(side: Side, bouncer: PgBouncer): Promise<WiredDelegations> {
  return openDelegations({
    store: 'postgres',
    connectionString: side === 'PgBouncer' ? bouncer.url(BENCH_DATABASE) : BENCH_URL,
    poolSize: POOL_SIZE,
    migrate: false,
    preparedStatements: side === 'direct, unnamed statements' ? false : 'auto',
    logger: benchLogger(),
    env: {},
    stuckThresholdMs: THRESHOLD_MS,
    bootGraceMs: 0,
  });
}

/** One delegation's life as an agent drives it: five ledger calls, four of them transitions. */
async function lifecycle(lib: WiredDelegations, id: string): Promise<void> {
  await lib.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'work', delegationId: id });
  await lib.ledger.setStatus(id, 'dispatched');
  await lib.ledger.heartbeat(id);
  await lib.ledger.heartbeat(id, { progress: 50 });
  const done = await lib.ledger.setStatus(id, 'completed', { resultPreview: 'ok' });
  if (done.outcome !== 'applied') throw new Error(`lifecycle of ${id} ended ${done.outcome}`);
}

async function sweepOnce(lib: WiredDelegations, target: SqlTarget, fixture: SweepFixture): Promise<number> {
  await target.query(TRUNCATE);
  await load(target, sweepFixtureSql(fixture));
  let moved = 0;
  const ms = await timeMs(async () => {
    const result = await lib.sweeper.sweep();
    moved = result.deadlineFailures + result.stuckMarked;
  });
  expectSame('rows moved by a sweep', fixture.due, moved);
  return ms;
}

export async function poolerSection(ctx: BenchContext): Promise<Figure[]> {
  const count = ctx.quick ? 200 : 2_000;
  const s = (n: number) => Math.round(n / ctx.scale);
  const sweepFixture: SweepFixture = { inFlight: s(50_000), due: s(5_000), terminal: s(100_000) };
  const bouncer = await startPgBouncer({ server: SERVER_URL, poolSize: POOL_SIZE });
  const libs = {} as Record<Side, WiredDelegations>;
  const pool = benchPool(4);
  const target = pgTarget(pool);
  try {
    for (const side of SIDES) libs[side] = await open(side, bouncer);
    const rates: Record<Side, number[]> = { direct: [], 'direct, unnamed statements': [], PgBouncer: [] };
    const sweeps: Record<Side, number[]> = { direct: [], 'direct, unnamed statements': [], PgBouncer: [] };
    for (let round = 0; round < ctx.rounds; round += 1) {
      ctx.progress(`pooler: lifecycles, round ${round + 1}`);
      await target.query(TRUNCATE);
      // Warm every pooled connection (and PgBouncer's server connections) outside the measurement.
      for (const side of SIDES) await Promise.all(Array.from({ length: 2 * POOL_SIZE }, (_, i) => lifecycle(libs[side], `warm-${PREFIX[side]}-${round}-${i}`)));
      const ops = Object.fromEntries(SIDES.map((side) => [side, (i: number) => lifecycle(libs[side], `${PREFIX[side]}-${round}-${i}`)])) as Record<
        Side,
        (i: number) => Promise<void>
      >;
      const measured = await pairedThroughput(count, CONCURRENCY, ops);
      for (const side of SIDES) rates[side].push(measured[side]);
      for (const side of rotate(SIDES, round)) {
        ctx.progress(`pooler: sweep ${side}, round ${round + 1}`);
        sweeps[side].push(await sweepOnce(libs[side], target, sweepFixture));
      }
    }
    const direct = median(rates.direct);
    const directSweep = median(sweeps.direct);
    const sweepLabel = `${sweepFixture.inFlight.toLocaleString('en')} in flight, ${sweepFixture.due.toLocaleString('en')} due, ${sweepFixture.terminal.toLocaleString('en')} terminal`;
    const lifecycleName = (side: Side) => `${side}: lifecycles (create, dispatch, 2 heartbeats, complete), concurrency ${CONCURRENCY}, pool ${POOL_SIZE}`;
    return [
      ...SIDES.map((side) =>
        figure(
          SECTION,
          lifecycleName(side),
          'lifecycles/s',
          rates[side],
          ...(side === 'direct' ? [] : [{ label: `${side} / direct`, value: median(rates[side]) / direct }]),
        ),
      ),
      ...SIDES.map((side) =>
        figure(
          SECTION,
          `${side}: sweeper.sweep, ${sweepLabel}`,
          'ms',
          sweeps[side],
          ...(side === 'direct' ? [] : [{ label: `${side} / direct`, value: median(sweeps[side]) / directSweep }]),
        ),
      ),
    ];
  } finally {
    for (const lib of Object.values(libs)) await lib.close();
    await pool.end();
    await bouncer.stop();
  }
}
