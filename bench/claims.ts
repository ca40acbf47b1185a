import type { DelegationStore } from '../src/index.js';
import type { BenchContext } from './lib/context.js';
import { queueFixtureSql, TRUNCATE, type QueueFixture } from './lib/fixtures.js';
import { postgresLibrary } from './lib/library.js';
import { expectSame, figure, median, pairedThroughput, throughput, type Figure } from './lib/measure.js';
import { benchPool } from './lib/postgres.js';
import { load, pgTarget, type SqlTarget } from './lib/sql-target.js';

const SECTION = '7. claims per second (PostgreSQL, queued -> dispatched, one callee)';
const CONCURRENCY = [1, 4, 16] as const;
const BATCHES = [1, 100] as const;
// Both pools hold at least as many connections as there are claimers: each claimer in flight has its own.
const POOL_SIZE = 16;

const PICKED = `picked AS (
    SELECT delegation_id FROM delegations WHERE status = 'queued' AND callee_id = $1
    ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
  )`;
const MOVE = `UPDATE delegations d SET status = 'dispatched', version = d.version + 1, active_since = now(), updated_at = now()
    FROM picked WHERE d.delegation_id = picked.delegation_id`;

/** The lower bound: the rows moved and returned, no event written. Less work than a claim does. */
const RAW_BARE = `WITH ${PICKED} ${MOVE} RETURNING d.*`;

/** The comparable baseline: the rows moved and returned, and one `dispatched` event each, in one statement. */
const RAW_WITH_EVENT = `WITH ${PICKED}, moved AS (${MOVE} RETURNING d.*), appended AS (
    INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
    SELECT delegation_id, version, attempt, 'dispatched', 'queued', 'dispatched', 'agent', '{}'::jsonb, now() FROM moved
  )
  SELECT * FROM moved`;

/** One claim of up to `limit` rows for `calleeId`; returns how many were claimed. */
type Claim = (calleeId: string, limit: number) => Promise<number>;

const rawClaim =
  (target: SqlTarget, statement: string): Claim =>
  async (calleeId, limit) =>
    (await target.query(statement, [calleeId, limit])).rows.length;

/** The store's statement alone: no clock read (a round trip on PostgreSQL), no validation, no log line. */
const storeClaim =
  (store: DelegationStore): Claim =>
  async (calleeId, limit) =>
    (await store.claim({ calleeId, limit, now: new Date(), actor: 'agent' })).delegations.length;

const SIDE_LABELS: Record<string, string> = {
  ledger: 'ledger.claim',
  event: 'raw pg: SKIP LOCKED update + event insert (comparable)',
  bare: 'raw pg: SKIP LOCKED update, no event (lower bound)',
  store: '  diagnostic: store.claim (no clock read, no log line)',
};

export async function claimSection(ctx: BenchContext): Promise<Figure[]> {
  const lib = await postgresLibrary(POOL_SIZE);
  const pool = benchPool(POOL_SIZE);
  const target = pgTarget(pool);
  const figures: Figure[] = [];
  try {
    for (const batch of BATCHES) {
      for (const concurrency of CONCURRENCY) {
        const sides: Record<string, Claim> = {
          ledger: async (calleeId, limit) => (await lib.ledger.claim({ calleeId, limit })).length,
          event: rawClaim(target, RAW_WITH_EVENT),
          bare: rawClaim(target, RAW_BARE),
          store: storeClaim(lib.store),
        };
        figures.push(...(await claimCell(ctx, target, sides, batch, concurrency)));
      }
    }
    return figures;
  } finally {
    await lib.close();
    await pool.end();
  }
}

async function claimCell(ctx: BenchContext, target: SqlTarget, sides: Record<string, Claim>, batch: number, concurrency: number): Promise<Figure[]> {
  const names = Object.keys(sides);
  const calls = batch === 1 ? (ctx.quick ? 400 : 4_000) : ctx.quick ? 80 : 400;
  const runs: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < ctx.rounds; round += 1) {
    ctx.progress(`claims: batch ${batch}, ${concurrency} claimers, round ${round + 1}`);
    // Each side claims from a callee of its own, so no side takes another's rows.
    const queues = names.map((name, i): QueueFixture => ({ prefix: `c${i}-`, calleeId: `claimer-${name}`, count: calls * batch }));
    const warm = names.map((name, i): QueueFixture => ({ prefix: `w${i}-`, calleeId: `warm-${name}`, count: 2 * POOL_SIZE }));
    await target.query(TRUNCATE);
    await load(target, [...queues, ...warm].flatMap(queueFixtureSql));
    for (const name of names) await throughput(2 * POOL_SIZE, POOL_SIZE, () => (sides[name] as Claim)(`warm-${name}`, 1));
    const claimed: Record<string, number> = Object.fromEntries(names.map((name) => [name, 0]));
    const ops = Object.fromEntries(
      names.map((name) => {
        const op = async () => {
          // Read the tally after the claim returns: concurrent claimers would otherwise overwrite each other's count.
          const count = await (sides[name] as Claim)(`claimer-${name}`, batch);
          claimed[name] = (claimed[name] ?? 0) + count;
        };
        return [name, op];
      }),
    );
    const rates = await pairedThroughput(calls, concurrency, ops);
    for (const name of names) {
      expectSame(`${name} delegations claimed`, calls * batch, claimed[name] ?? 0);
      expectSame(`${name} dispatched events`, name === 'bare' ? 0 : calls * batch, await dispatchedEvents(target, `claimer-${name}`));
      runs[name]?.push((rates[name] as number) * batch);
    }
  }
  const of = (name: string) => median(runs[name] ?? []);
  const cell = `batch ${batch}, ${concurrency} claimer${concurrency === 1 ? '' : 's'}`;
  return names.map((name) => {
    const label = `${SIDE_LABELS[name]}, ${cell}`;
    if (name === 'bare') return figure(SECTION, label, 'claimed/s', runs[name] ?? [], { label: 'with event / bare', value: of('event') / of('bare') });
    if (name === 'event') return figure(SECTION, label, 'claimed/s', runs[name] ?? []);
    return figure(
      SECTION,
      label,
      'claimed/s',
      runs[name] ?? [],
      { label: `${name} / raw with event`, value: of(name) / of('event') },
      { label: `${name} / raw bare`, value: of(name) / of('bare') },
    );
  });
}

async function dispatchedEvents(target: SqlTarget, calleeId: string): Promise<number> {
  const { rows } = await target.query(
    `SELECT count(*) AS n FROM delegation_events e JOIN delegations d USING (delegation_id)
      WHERE d.callee_id = $1 AND e.type = 'dispatched'`,
    [calleeId],
  );
  return Number(rows[0]?.n ?? 0);
}
