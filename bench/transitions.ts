import { DatabaseClock, DrizzleDelegationStore } from '../src/drizzle.js';
import { silentLogger, type Ledger } from '../src/index.js';
import { LedgerService, type WiredDelegations } from '../src/inversify.js';
import type { BenchContext } from './lib/context.js';
import { statusFixtureIds, statusFixtureSql, TRUNCATE, type StatusFixture } from './lib/fixtures.js';
import { postgresLibrary } from './lib/library.js';
import { expectSame, figure, judge, median, pairedThroughput, throughput, type Figure } from './lib/measure.js';
import { benchPool } from './lib/postgres.js';
import { load, pgTarget, type SqlTarget } from './lib/sql-target.js';

const SECTION = '2. transitions per second (PostgreSQL, queued -> dispatched)';
const CONCURRENCY = [1, 4, 16] as const;
const POOL_SIZE = 16;

/** The raw lower bound: the same guarded move and event, as a four-statement transaction through pg. */
export async function rawTransition(target: SqlTarget, id: string): Promise<boolean> {
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

type Transition = (id: string) => Promise<boolean>;

const applied =
  (ledger: Ledger): Transition =>
  async (id) =>
    (await ledger.setStatus(id, 'dispatched')).outcome === 'applied';

/**
 * Where the ledger's time goes, at the highest concurrency only: the same ledger
 * over the same store without pino, then also without the subscriptions'
 * cross-process wake-up (a NOTIFY sent after each write).
 */
function diagnosticLedgers(lib: WiredDelegations): Record<string, Transition> {
  const store = lib.store as DrizzleDelegationStore;
  const bare = new DrizzleDelegationStore(store.db);
  // Transitions never wait: waitFor goes to the library's own waiters.
  const waiters = { wait: lib.ledger.waitFor.bind(lib.ledger) };
  return {
    'ledger, silent logger': applied(new LedgerService(store, new DatabaseClock(store.db), lib.config, silentLogger, waiters)),
    'ledger, silent logger, no NOTIFY wake-up': applied(new LedgerService(bare, new DatabaseClock(store.db), lib.config, silentLogger, waiters)),
  };
}

export async function transitionSection(ctx: BenchContext): Promise<Figure[]> {
  const count = ctx.quick ? 400 : 4_000;
  const lib = await postgresLibrary(POOL_SIZE);
  const pool = benchPool(POOL_SIZE);
  const target = pgTarget(pool);
  const figures: Figure[] = [];
  try {
    for (const concurrency of CONCURRENCY) {
      const sides: Record<string, Transition> = {
        ledger: applied(lib.ledger),
        raw: (id) => rawTransition(target, id),
        ...(concurrency !== 4 ? diagnosticLedgers(lib) : {}),
      };
      const names = Object.keys(sides);
      const runs: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
      for (let round = 0; round < ctx.rounds; round += 1) {
        ctx.progress(`transitions at concurrency ${concurrency}, round ${round + 1}`);
        const fixtures = names.map((_name, i): StatusFixture => ({ prefix: `s${i}-`, count, status: 'queued' }));
        await reset(target, [...fixtures, { prefix: 'w', count: 4 * POOL_SIZE, status: 'queued' }]);
        // Warm every pooled connection on rows outside the measurement.
        await throughput(2 * POOL_SIZE, POOL_SIZE, (i) => applied(lib.ledger)(`w${i + 1}`));
        await throughput(2 * POOL_SIZE, POOL_SIZE, (i) => rawTransition(target, `w${2 * POOL_SIZE + i + 1}`));
        const done: Record<string, number> = Object.fromEntries(names.map((name) => [name, 0]));
        const ops = Object.fromEntries(
          names.map((name, i) => {
            const ids = statusFixtureIds(fixtures[i] as StatusFixture);
            const op = async (index: number) => {
              if (await (sides[name] as Transition)(ids[index] as string)) done[name] = (done[name] ?? 0) + 1;
            };
            return [name, op];
          }),
        );
        const rates = await pairedThroughput(count, concurrency, ops);
        for (const name of names) {
          expectSame(`${name} transitions applied`, count, done[name] ?? 0);
          runs[name]?.push(rates[name] as number);
        }
      }
      const raw = median(runs.raw ?? []);
      for (const name of names.filter((n) => n !== 'raw')) {
        const ratio = median(runs[name] ?? []) / raw;
        // Issue 15: two round trips (the state with the time, then the guarded append) against the raw four.
        const goal = concurrency !== 4 && name === 'ledger' ? judge(ctx.quick, '>= 1.0', ratio >= 1.0) : {};
        const label =
          name === 'ledger' ? `ledger.setStatus, concurrency ${concurrency} (pool ${POOL_SIZE})` : `  diagnostic: ${name}, concurrency ${concurrency}`;
        figures.push(figure(SECTION, label, 'ops/s', runs[name] ?? [], { label: 'ledger / raw', value: ratio, ...goal }));
      }
      figures.push(figure(SECTION, `raw SQL transaction through pg, concurrency ${concurrency}`, 'ops/s', runs.raw ?? []));
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
