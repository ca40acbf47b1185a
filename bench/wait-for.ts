import { setMaxListeners } from 'node:events';
import pg from 'pg';
import type { WiredDelegations } from '../src/inversify.js';
import { CompleterProcess } from './lib/completer-process.js';
import type { BenchContext } from './lib/context.js';
import { statusFixtureIds, statusFixtureSql, TRUNCATE, type StatusFixture } from './lib/fixtures.js';
import { postgresLibrary } from './lib/library.js';
import { figure, median, type Figure } from './lib/measure.js';
import { BENCH_URL, benchPool } from './lib/postgres.js';
import { load, pgTarget, type SqlTarget } from './lib/sql-target.js';
import { epochMs } from './lib/wait-protocol.js';

const SECTION = '8. waitFor latency, commit in another process -> resolve (PostgreSQL)';
const POOL_SIZE = 16;
const WAITERS = 1_000;
// Between samples, so each completion finds the waiting side idle (and a lone waiter's reader started).
const GAP_MS = 50;
const CHANNEL = 'delegations_bench_wait';
const WAIT_OPTIONS = { timeoutMs: 30_000 } as const;

type Latencies = number[];
type Sides = { readonly lib: WiredDelegations; readonly completer: CompleterProcess; readonly listener: Listener; offsetMs: number };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The floor's waiting side: one LISTENing connection, resolving a promise per NOTIFY payload (an id). */
class Listener {
  private readonly waiting = new Map<string, (at: number) => void>();
  constructor(private readonly client: pg.Client) {
    client.on('notification', (message) => {
      const at = epochMs();
      if (message.payload !== undefined) this.waiting.get(message.payload)?.(at);
    });
  }

  static async open(): Promise<Listener> {
    const client = new pg.Client({ connectionString: BENCH_URL });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    return new Listener(client);
  }

  notified(id: string): Promise<number> {
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/** When the waiter on `id` resolved, on the epoch clock. */
function resolvedAt(lib: WiredDelegations, id: string, signal?: AbortSignal): Promise<number> {
  return lib.ledger.waitFor(id, { ...WAIT_OPTIONS, signal }).then(() => epochMs());
}

/**
 * A waiter registered last, on a delegation already completed, resolves once its row is
 * read: that read queues behind the rows of every waiter registered before it, so when it
 * resolves they are all waiting on the reader, not still loading.
 */
async function settled(lib: WiredDelegations, sentinel: string): Promise<void> {
  await lib.ledger.setStatus(sentinel, 'completed');
  await lib.ledger.waitFor(sentinel, WAIT_OPTIONS);
  await sleep(GAP_MS);
}

/** One completion at a time, each after the last one's waiter resolved; `resolved` registers (or finds) the waiter. */
async function oneByOne(s: Sides, how: 'ledger' | 'raw', ids: readonly string[], resolved: (id: string) => Promise<number>): Promise<Latencies> {
  const latencies: Latencies = [];
  for (const id of ids) {
    const at = resolved(id);
    await sleep(GAP_MS);
    const [committed, resolvedAtMs] = await Promise.all([s.completer.complete(how, [id], 1, CHANNEL), at]);
    latencies.push(resolvedAtMs - ((committed.get(id) as number) - s.offsetMs));
  }
  return latencies;
}

async function thousandWaiting(s: Sides, ids: readonly string[], sentinel: string, completed: readonly string[], concurrency: number): Promise<Latencies> {
  const abort = new AbortController();
  // One signal ends every waiter left once the sample is taken: a thousand listeners on it is the point.
  setMaxListeners(ids.length + 1, abort.signal);
  const waiters = new Map(ids.map((id) => [id, resolvedAt(s.lib, id, abort.signal)]));
  try {
    await settled(s.lib, sentinel);
    if (concurrency > 1) {
      const committed = await s.completer.complete('ledger', completed, concurrency, CHANNEL);
      const resolved = await Promise.all(completed.map((id) => waiters.get(id) as Promise<number>));
      return completed.map((id, i) => (resolved[i] as number) - ((committed.get(id) as number) - s.offsetMs));
    }
    return await oneByOne(s, 'ledger', completed, (id) => waiters.get(id) as Promise<number>);
  } finally {
    abort.abort(new Error('sample taken'));
    await Promise.allSettled(waiters.values());
  }
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
}

type Case = {
  readonly key: string;
  readonly label: string;
  readonly rows: number;
  run(s: Sides, ids: readonly string[], sentinel: string): Promise<Latencies>;
};

function cases(samples: number): Case[] {
  return [
    {
      key: 'one',
      label: `ledger.waitFor, 1 waiter (${samples} completions, one at a time)`,
      rows: samples,
      run: (s, ids) => oneByOne(s, 'ledger', ids, (id) => resolvedAt(s.lib, id)),
    },
    {
      key: 'floor',
      label: `raw floor: LISTEN connection, child UPDATE then NOTIFY id (${samples}, one at a time)`,
      rows: samples,
      run: (s, ids) => oneByOne(s, 'raw', ids, (id) => s.listener.notified(id)),
    },
    {
      key: 'thousand',
      label: `ledger.waitFor, ${WAITERS.toLocaleString('en')} waiters, ${samples} of them completed one at a time`,
      rows: WAITERS,
      run: (s, ids, sentinel) => thousandWaiting(s, ids, sentinel, ids.slice(0, samples), 1),
    },
    {
      key: 'burst',
      label: `ledger.waitFor, ${WAITERS.toLocaleString('en')} waiters, all completed at once (child, 16 at a time)`,
      rows: WAITERS,
      run: (s, ids, sentinel) => thousandWaiting(s, ids, sentinel, ids, 16),
    },
  ];
}

export async function waitForSection(ctx: BenchContext): Promise<Figure[]> {
  const samples = ctx.quick ? 100 : 300;
  const all = cases(samples);
  const pool = benchPool(1);
  const target = pgTarget(pool);
  const lib = await postgresLibrary(POOL_SIZE);
  const listener = await Listener.open();
  const completer = await CompleterProcess.start();
  const s: Sides = { lib, completer, listener, offsetMs: 0 };
  const p50: Record<string, number[]> = Object.fromEntries(all.map((c) => [c.key, []]));
  const p99: Record<string, number[]> = Object.fromEntries(all.map((c) => [c.key, []]));
  const offsets: number[] = [];
  const rtts: number[] = [];
  try {
    for (let round = 0; round < ctx.rounds; round += 1) {
      const clock = await completer.clockOffset(50);
      s.offsetMs = clock.offsetMs;
      offsets.push(clock.offsetMs);
      rtts.push(clock.rttMs);
      const fixtures = all.map((c, i): StatusFixture => ({ prefix: `q${i}-`, count: c.rows, status: 'in_progress' }));
      const sentinels: StatusFixture = { prefix: 's-', count: all.length, status: 'in_progress' };
      await reset(target, [...fixtures, sentinels]);
      for (const [i, c] of all.entries()) {
        ctx.progress(`waitFor: ${c.key}, round ${round + 1}`);
        const latencies = await c.run(s, statusFixtureIds(fixtures[i] as StatusFixture), `s-${i + 1}`);
        p50[c.key]?.push(percentile(latencies, 0.5));
        p99[c.key]?.push(percentile(latencies, 0.99));
      }
    }
  } finally {
    await completer.stop();
    await listener.close();
    await lib.close();
    await pool.end();
  }
  return report(all, p50, p99, offsets, rtts);
}

function report(all: readonly Case[], p50: Record<string, number[]>, p99: Record<string, number[]>, offsets: number[], rtts: number[]): Figure[] {
  const m = (runs: Record<string, number[]>, key: string) => median(runs[key] ?? []);
  const ratios: Record<string, { label: string; value: number }[]> = {
    one: [{ label: 'p50 waitFor / raw floor', value: m(p50, 'one') / m(p50, 'floor') }],
    thousand: [{ label: 'p50 1,000 waiters / 1 waiter', value: m(p50, 'thousand') / m(p50, 'one') }],
    burst: [{ label: 'p50 burst / one at a time', value: m(p50, 'burst') / m(p50, 'thousand') }],
  };
  const figures = all.flatMap((c) => [
    figure(SECTION, `${c.label}: p50`, 'ms', p50[c.key] ?? [], ...(ratios[c.key] ?? [])),
    figure(SECTION, `${c.label}: p99`, 'ms', p99[c.key] ?? []),
  ]);
  figures.push(
    figure(SECTION, '  method: child clock - parent clock (IPC ping of least round trip), subtracted', 'ms', offsets),
    figure(SECTION, '  method: that ping round trip (the offset is known within half of it)', 'ms', rtts),
  );
  return figures;
}

async function reset(target: SqlTarget, fixtures: readonly StatusFixture[]): Promise<void> {
  await target.query(TRUNCATE);
  await load(target, fixtures.flatMap(statusFixtureSql));
}
