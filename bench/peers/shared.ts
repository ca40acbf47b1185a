import pg from 'pg';
import { BENCH_DATABASE, SERVER_URL } from '../lib/postgres.js';

/** How much work each row does: the counts at full scale, fewer in quick mode. */
export type Sizes = {
  /** Row 1: units created one call each (concurrency 16) and again in one batch; rows 2 and 4 claim and complete the batch. */
  readonly units: number;
  /** Row 3: running units beaten once each. */
  readonly beats: number;
  /** Row 5: running units, and how many of them are past their timeout. */
  readonly rescueInFlight: number;
  readonly rescueDue: number;
  /** Row 6: completions, one at a time, each timed to its caller learning of it. */
  readonly latencySamples: number;
};

export const CREATE_CONCURRENCY = 16;
export const CLAIM_WORKERS = 4;
export const CLAIM_BATCH = 100;
export const COMPLETE_CONCURRENCY = 16;
/** Every PostgreSQL client in this section holds as many connections as our ledger's pool. */
export const POOL_SIZE = 16;

export function sizes(quick: boolean): Sizes {
  return quick
    ? { units: 1_000, beats: 500, rescueInFlight: 5_000, rescueDue: 500, latencySamples: 20 }
    : { units: 10_000, beats: 1_000, rescueInFlight: 100_000, rescueDue: 10_000, latencySamples: 100 };
}

/** What one competitor measured in one round; a row it has not got is absent. */
export type RoundFigures = Partial<Record<RowKey, number>>;

/**
 * The rows, each with its unit. Rates are units per second of wall time (higher is better),
 * the rescue and the latency are milliseconds (lower is better).
 */
export const ROWS = {
  createOne: { row: '1. create, one call each, concurrency 16', unit: 'units/s', higherIsBetter: true },
  createBatch: { row: '1. create, one batch', unit: 'units/s', higherIsBetter: true },
  claim: { row: '2. claim, batches of 100, 4 workers', unit: 'units/s', higherIsBetter: true },
  beatMany: { row: '3. heartbeat / lock extension, one batch call', unit: 'beats/s', higherIsBetter: true },
  beatOne: { row: '3. heartbeat / lock extension, one call each, concurrency 16', unit: 'beats/s', higherIsBetter: true },
  completeOne: { row: '4. complete, one call each, concurrency 16', unit: 'units/s', higherIsBetter: true },
  completeBatch: { row: '4. complete, batches of 100 ids, 4 at a time', unit: 'units/s', higherIsBetter: true },
  cycle: { row: '2+4. claim and complete through the runner', unit: 'units/s', higherIsBetter: true },
  rescue: { row: '5. rescue: move the units past their timeout', unit: 'ms', higherIsBetter: false },
  latencyP50: { row: '6. completion -> caller knows, p50', unit: 'ms', higherIsBetter: false },
  latencyP99: { row: '6. completion -> caller knows, p99', unit: 'ms', higherIsBetter: false },
  afterReturnP50: { row: "6. the completion call's return -> caller knows, p50 (negative: the caller knew first)", unit: 'ms', higherIsBetter: false },
} as const;
export type RowKey = keyof typeof ROWS;

/** One competitor: a name, how it does each row (a sentence for the table), and its three passes. */
export type Competitor = {
  readonly name: string;
  /** How the competitor does each row it has, or why it has not got it ("none: ..."). */
  readonly how: Readonly<Record<RowKey, string>>;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Rows 1-4 on fresh queues. */
  lifecycle(round: number): Promise<RoundFigures>;
  /** Row 5: the milliseconds the competitor's mechanism takes to move the due units. */
  rescue(round: number): Promise<number | undefined>;
  /** Row 6: each sample's milliseconds from the completion call to the caller knowing, or undefined. */
  latency(round: number): Promise<LatencySample[] | undefined>;
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A database of the peer's own on the bench's server, named after the bench database so no two benches share one. */
export function peerDatabase(peer: string): { name: string; url: string } {
  const name = `${BENCH_DATABASE}_${peer}`;
  return { name, url: `${SERVER_URL}/${name}` };
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${SERVER_URL}/postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function recreatePeerDatabase(name: string): Promise<void> {
  await admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  });
}

export async function dropPeerDatabase(name: string): Promise<void> {
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** `count` calls through `concurrency` workers pulling from one counter. */
export async function pooled(count: number, concurrency: number, op: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await op(i);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Runs `work` and returns units per second of its wall time. */
export async function rate(units: number, work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (units * 1000) / (performance.now() - started);
}

export async function elapsed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
}

/** Throws when a competitor did other work than it was asked to: its figure would mean nothing. */
export function expectCount(what: string, expected: number, actual: number): void {
  if (expected !== actual) throw new Error(`${what}: expected ${expected}, got ${actual}`);
}

/** A pause drawn uniformly from [min, max): a poller's phase must not line up with the completions. */
export const jitter = (min: number, max: number) => sleep(min + Math.random() * (max - min));

/**
 * One completion seen by its caller: from the completion call to the caller knowing (the
 * row-6 figure, the completion's own round trips included), and from the call's return to
 * the caller knowing (the notification path alone; negative when the caller knew before the
 * completing side had its answer).
 */
export type LatencySample = { readonly fromCall: number; readonly fromReturn: number };

export const sample = (called: number, returned: number, learned: number): LatencySample => ({ fromCall: learned - called, fromReturn: learned - returned });
