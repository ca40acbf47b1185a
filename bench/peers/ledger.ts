import type { WiredDelegations } from '../../src/inversify.js';
import { statusFixtureIds, statusFixtureSql, sweepFixtureSql, TRUNCATE } from '../lib/fixtures.js';
import { postgresLibrary } from '../lib/library.js';
import { benchPool } from '../lib/postgres.js';
import { load, pgTarget, type SqlTarget } from '../lib/sql-target.js';
import type pg from 'pg';
import {
  CLAIM_BATCH,
  CLAIM_WORKERS,
  COMPLETE_CONCURRENCY,
  type Competitor,
  CREATE_CONCURRENCY,
  elapsed,
  expectCount,
  jitter,
  POOL_SIZE,
  pooled,
  rate,
  type RoundFigures,
  type Sizes,
  type LatencySample,
  sample,
} from './shared.js';

const CALLEE = 'peers-callee';
const START_ALL = `WITH started AS (
    UPDATE delegations SET status = 'in_progress', version = version + 1, last_heartbeat = now(), updated_at = now()
    WHERE status = 'dispatched' RETURNING delegation_id, version, attempt
  ), appended AS (
    INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
    SELECT delegation_id, version, attempt, 'started', 'dispatched', 'in_progress', 'agent', '{}'::jsonb, now() FROM started RETURNING 1
  )
  SELECT count(*) AS n FROM appended`;

/** Our ledger on the bench database, as createDelegations wires it (pino at info to /dev/null, the database's clock). */
export function ledgerCompetitor(sizes: Sizes): Competitor {
  let lib: WiredDelegations | undefined;
  let waiter: WiredDelegations | undefined;
  let pool: pg.Pool | undefined;
  let target: SqlTarget | undefined;
  const open = () => {
    if (lib === undefined || waiter === undefined || target === undefined) throw new Error('the ledger is not open');
    return { lib, waiter, target };
  };

  return {
    name: 'ledger',
    how: {
      createOne: 'ledger.create (a row and its created event in one transaction)',
      createBatch: 'none: the ledger has no batch create (each create checks its idempotency key and writes its event)',
      claim: 'ledger.claim({ limit: 100 }), 4 loops (queued -> dispatched, a dispatched event each)',
      beatMany: 'ledger.heartbeatMany(1,000 ids), one call',
      beatOne: 'ledger.heartbeat(id), concurrency 16',
      completeOne: "ledger.setStatus(id, 'completed'), concurrency 16 (a completed event each)",
      completeBatch: 'none: the ledger has no batch completion (each completion is its own guarded transition and event)',
      cycle: 'not measured: claim and complete are separate calls, see rows 2 and 4',
      rescue: 'sweeper.sweep(): one guarded statement, a marked_stuck or failed event per moved row',
      latencyP50: 'ledger.waitFor in a second ledger instance (its own pool and event-feed reader); setStatus completed in the first',
      latencyP99: 'as p50',
      afterReturnP50: 'as p50',
    },
    async open() {
      lib = await postgresLibrary(POOL_SIZE);
      waiter = await postgresLibrary(4);
      pool = benchPool(4);
      target = pgTarget(pool);
    },
    async close() {
      await Promise.all([lib?.close(), waiter?.close(), pool?.end()]);
    },

    async lifecycle(round) {
      const { lib, target } = open();
      await target.query(TRUNCATE);
      const figures: RoundFigures = {};
      const n = sizes.units;
      figures.createOne = await rate(n, () =>
        pooled(n, CREATE_CONCURRENCY, (i) => lib.ledger.create({ callerId: 'peers-caller', calleeId: CALLEE, task: `unit ${round}-${i}` })),
      );
      const claimed: string[] = [];
      figures.claim = await rate(n, () =>
        Promise.all(
          Array.from({ length: CLAIM_WORKERS }, async () => {
            for (;;) {
              const batch = await lib.ledger.claim({ calleeId: CALLEE, limit: CLAIM_BATCH });
              if (batch.length === 0) return;
              claimed.push(...batch.map((d) => d.delegationId));
            }
          }),
        ),
      );
      expectCount('ledger units claimed', n, new Set(claimed).size);
      // Untimed, as a fixture: the agents start their work (dispatched -> in_progress, a started event each).
      const { rows } = await target.query(START_ALL);
      expectCount('ledger units started', n, Number(rows[0]?.n));
      const beaten = claimed.slice(0, sizes.beats);
      let recorded = 0;
      figures.beatMany = await rate(sizes.beats, async () => {
        recorded = (await lib.ledger.heartbeatMany(beaten)).filter((o) => o.outcome === 'recorded').length;
      });
      expectCount('ledger batched beats recorded', sizes.beats, recorded);
      recorded = 0;
      figures.beatOne = await rate(sizes.beats, () =>
        pooled(sizes.beats, CREATE_CONCURRENCY, async (i) => {
          if ((await lib.ledger.heartbeat(beaten[i] as string)).outcome === 'recorded') recorded += 1;
        }),
      );
      expectCount('ledger beats recorded', sizes.beats, recorded);
      let completed = 0;
      figures.completeOne = await rate(n, () =>
        pooled(n, COMPLETE_CONCURRENCY, async (i) => {
          if ((await lib.ledger.setStatus(claimed[i] as string, 'completed')).outcome === 'applied') completed += 1;
        }),
      );
      expectCount('ledger units completed', n, completed);
      return figures;
    },

    async rescue() {
      const { lib, target } = open();
      await target.query(TRUNCATE);
      await load(target, sweepFixtureSql({ inFlight: sizes.rescueInFlight, due: sizes.rescueDue, terminal: 0 }));
      let moved = 0;
      const ms = await elapsed(async () => {
        const result = await lib.sweeper.sweep();
        if (result.errors > 0) throw new Error('the sweep failed');
        moved = result.deadlineFailures + result.stuckMarked;
      });
      expectCount('ledger units rescued', sizes.rescueDue, moved);
      return ms;
    },

    async latency() {
      const { lib, waiter, target } = open();
      await target.query(TRUNCATE);
      const fixture = { prefix: 'lat-', count: sizes.latencySamples, status: 'in_progress' } as const;
      await load(target, statusFixtureSql(fixture));
      const samples: LatencySample[] = [];
      for (const id of statusFixtureIds(fixture)) {
        const learned = waiter.ledger.waitFor(id, { timeoutMs: 30_000 }).then(() => performance.now());
        await jitter(20, 120);
        const started = performance.now();
        const outcome = await lib.ledger.setStatus(id, 'completed');
        const returned = performance.now();
        if (outcome.outcome !== 'applied') throw new Error(`${id}: completion ${outcome.outcome}`);
        samples.push(sample(started, returned, await learned));
      }
      return samples;
    },
  };
}
