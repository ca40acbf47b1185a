import type { Delegations } from '../src/index.js';
import { rotate, type BenchContext } from './lib/context.js';
import { statusFixtureIds, statusFixtureSql, TRUNCATE, type StatusFixture } from './lib/fixtures.js';
import { postgresLibrary } from './lib/library.js';
import { expectSame, figure, median, throughput, type Figure } from './lib/measure.js';
import { benchPool } from './lib/postgres.js';
import { load, pgTarget, type SqlTarget } from './lib/sql-target.js';

const SECTION = '2. transitions per second (PostgreSQL, queued -> dispatched)';
const CONCURRENCY = [1, 4, 16] as const;
const POOL_SIZE = 16;

/** The raw lower bound: the same guarded move and event, as a four-statement transaction through pg. */
async function rawTransition(target: SqlTarget, id: string): Promise<boolean> {
  return target.withSession(async (s) => {
    await s.query('BEGIN');
    const { rows } = await s.query(
      `UPDATE delegations SET status = 'dispatched', version = version + 1, active_since = now(), updated_at = now()
        WHERE delegation_id = $1 AND status = 'queued' AND version = 1 RETURNING version, attempt`,
      [id],
    );
    const row = rows[0];
    if (row !== undefined) {
      await s.query(
        `INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
          VALUES ($1, $2, $3, 'dispatched', 'queued', 'dispatched', 'agent', '{}', now())`,
        [id, row.version, row.attempt],
      );
    }
    await s.query('COMMIT');
    return row !== undefined;
  });
}

async function ledgerTransition(lib: Delegations, id: string): Promise<boolean> {
  return (await lib.ledger.setStatus(id, 'dispatched')).outcome === 'applied';
}

export async function transitionSection(ctx: BenchContext): Promise<Figure[]> {
  const count = ctx.quick ? 1_000 : 4_000;
  const lib = await postgresLibrary(POOL_SIZE);
  const pool = benchPool(POOL_SIZE);
  const target = pgTarget(pool);
  const figures: Figure[] = [];
  try {
    for (const concurrency of CONCURRENCY) {
      const runs = { ledger: [] as number[], raw: [] as number[] };
      for (let round = 0; round < ctx.rounds; round += 1) {
        ctx.progress(`transitions at concurrency ${concurrency}, round ${round + 1}`);
        const fixtures = { ledger: { prefix: 'l', count, status: 'queued' }, raw: { prefix: 'r', count, status: 'queued' } } as const;
        await reset(target, [...Object.values(fixtures), { prefix: 'w', count: 4 * POOL_SIZE, status: 'queued' }]);
        // Warm every pooled connection on rows outside the measurement.
        await throughput(2 * POOL_SIZE, POOL_SIZE, (i) => ledgerTransition(lib, `w${i + 1}`));
        await throughput(2 * POOL_SIZE, POOL_SIZE, (i) => rawTransition(target, `w${2 * POOL_SIZE + i + 1}`));
        for (const side of rotate(['ledger', 'raw'] as const, round)) {
          const ids = statusFixtureIds(fixtures[side]);
          let applied = 0;
          const apply = side === 'ledger' ? (id: string) => ledgerTransition(lib, id) : (id: string) => rawTransition(target, id);
          runs[side].push(
            await throughput(count, concurrency, async (i) => {
              if (await apply(ids[i] as string)) applied += 1;
            }),
          );
          expectSame(`${side} transitions applied`, count, applied);
        }
      }
      const ratio = median(runs.ledger) / median(runs.raw);
      const target16 = concurrency === 16 ? { target: '>= 0.7', met: ratio >= 0.7 } : {};
      figures.push(
        figure(SECTION, `ledger.setStatus, concurrency ${concurrency} (pool ${POOL_SIZE})`, 'ops/s', runs.ledger, { label: 'ledger / raw', value: ratio, ...target16 }),
        figure(SECTION, `raw SQL transaction through pg, concurrency ${concurrency}`, 'ops/s', runs.raw),
      );
    }
    return figures;
  } finally {
    await lib.close();
    await pool.end();
  }
}

export async function reset(target: SqlTarget, fixtures: readonly StatusFixture[]): Promise<void> {
  await target.query(TRUNCATE);
  await load(target, fixtures.flatMap(statusFixtureSql));
}
