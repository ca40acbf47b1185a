import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { createPostgresBackend, type Job, type PgPool, type PgQueryable, Queue, QueueEvents, runMigrations, Worker } from 'bullmq';
import pg from 'pg';
import { BENCH_DATABASE } from '../lib/postgres.js';
import {
  CLAIM_BATCH,
  CLAIM_WORKERS,
  COMPLETE_CONCURRENCY,
  type Competitor,
  CREATE_CONCURRENCY,
  elapsed,
  expectCount,
  jitter,
  pooled,
  rate,
  type RoundFigures,
  type Sizes,
  sleep,
  peerDatabase,
  recreatePeerDatabase,
  dropPeerDatabase,
  POOL_SIZE,
  type LatencySample,
  sample,
} from './shared.js';

const redisConnection = {
  host: process.env.BENCH_REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.BENCH_REDIS_PORT ?? 6379),
  // What BullMQ asks of a worker's connection.
  maxRetriesPerRequest: null,
};
/** Every Redis key this bench writes starts with this, so it can never touch another program's queues. */
const PREFIX = `bench_${BENCH_DATABASE}`;
const DB = peerDatabase('bullmq');
const LOCK_MS = 30_000;
const SHORT_LOCK_MS = 1_000;
const STALLED_INTERVAL_MS = 1_000;
const ADD_CHUNK = 10_000;

export type BullBackend = 'redis' | 'postgres';

/** BullMQ on Redis needs a Redis client, which is an optional peer of BullMQ 6: ioredis. */
export function redisClientMissing(): string | undefined {
  try {
    createRequire(import.meta.url).resolve('ioredis');
    return undefined;
  } catch {
    return 'ioredis (the Redis client BullMQ 6 loads, an optional peer dependency) is not installed';
  }
}

type WorkerOptions = { lockDuration?: number; stalledInterval?: number };

/** The three BullMQ classes on one backend: Redis (its default), or PostgreSQL through one pool of 16 like ours. */
function classes(backend: BullBackend, pool: pg.Pool | undefined) {
  if (backend === 'postgres') {
    // One pg.Pool of 16 shared by every queue, worker and event reader, as our ledger's one pool; BullMQ uses a pool given to it as it is.
    const connection = pool as unknown as PgPool;
    return {
      queue: (name: string) => new Queue(name, { connection }, createPostgresBackend) as unknown as Queue,
      worker: (name: string, opts: WorkerOptions) =>
        new Worker(name, null, { connection, autorun: false, ...opts }, createPostgresBackend) as unknown as Worker,
      events: (name: string) => new QueueEvents(name, { connection }, createPostgresBackend) as unknown as QueueEvents,
    };
  }
  const connection = redisConnection;
  return {
    queue: (name: string) => new Queue(name, { connection, prefix: PREFIX }),
    worker: (name: string, opts: WorkerOptions) => new Worker(name, null, { connection, prefix: PREFIX, autorun: false, ...opts }),
    events: (name: string) => new QueueEvents(name, { connection, prefix: PREFIX }),
  };
}

type Running = { readonly job: Job; readonly token: string };

/** `count` jobs taken by `workers` manual workers, each with `inFlight` getNextJob calls outstanding (a Worker's concurrency). */
async function take(workers: readonly Worker[], count: number, inFlight: number): Promise<Running[]> {
  const running: Running[] = [];
  let asked = 0;
  await Promise.all(
    workers.flatMap((worker) =>
      Array.from({ length: inFlight }, async () => {
        const token = randomUUID();
        // Counted before each call, so concurrent callers never take more than `count` between them.
        while (asked++ < count) {
          const job = await worker.getNextJob(token, { block: false });
          if (job === undefined || job === null) return;
          running.push({ job, token });
        }
      }),
    ),
  );
  return running;
}

async function addInChunks(queue: Queue, count: number): Promise<void> {
  for (let from = 0; from < count; from += ADD_CHUNK) {
    await queue.addBulk(Array.from({ length: Math.min(ADD_CHUNK, count - from) }, (_, i) => ({ name: 'unit', data: { i: from + i } })));
  }
}

/**
 * BullMQ 6.7 on the local Redis, with its defaults (lock 30 s renewed by a running Worker,
 * stalled check every 30 s, completed jobs kept) except where a row says otherwise. The
 * jobs are driven through manual workers (getNextJob / moveToCompleted), the public API for
 * taking a job without running a processor, so each step is timed on its own.
 */
export function bullmqCompetitor(sizes: Sizes, backend: BullBackend): Competitor {
  let pool: pg.Pool | undefined;
  let made: ReturnType<typeof classes> | undefined;
  const open = () => {
    if (made === undefined) throw new Error('BullMQ is not open');
    return made;
  };
  /** A worker in manual mode (no processor): the jobs it takes stay active until we move them. */
  const manualWorker = (name: string, lockDuration = LOCK_MS, stalledInterval = 30_000) => open().worker(name, { lockDuration, stalledInterval });
  const queues: Queue[] = [];
  const queue = (name: string) => {
    const q = open().queue(name);
    queues.push(q);
    return q;
  };
  const cleanUp = async () => {
    for (const q of queues.splice(0)) {
      await q.obliterate({ force: true });
      await q.close();
    }
  };

  return {
    name: `BullMQ 6.7.0 on ${backend === 'redis' ? 'Redis' : 'PostgreSQL'}`,
    how: {
      createOne: 'queue.add(name, data), concurrency 16 (one connection, pipelined)',
      createBatch: 'queue.addBulk(10,000 jobs): one MULTI of the add script per job',
      claim: 'worker.getNextJob(token), 4 manual workers with 100 calls in flight each: one job per call (batches are a BullMQ Pro feature)',
      beatMany: 'worker.extendJobLocks(ids, tokens, 30 s): the batch the Worker lock manager sends',
      beatOne: 'job.extendLock(token, 30 s), concurrency 16',
      completeOne: 'job.moveToCompleted(result, token, false), concurrency 16',
      completeBatch: 'none: BullMQ completes one job per call',
      cycle: 'not measured: taken and completed separately, see rows 2 and 4',
      rescue: `the worker's stalled check (moveStalledJobsToWait, what its stalledInterval timer runs); jobs whose ${SHORT_LOCK_MS / 1000} s lock lapsed, timed on the pass that moves them`,
      latencyP50: "QueueEvents 'completed' (an XREAD of the queue's event stream on its own connection)",
      latencyP99: 'as p50',
      afterReturnP50: 'as p50',
    },
    async open() {
      if (backend === 'postgres') {
        await recreatePeerDatabase(DB.name);
        // A pool given to BullMQ must find its schema on the search path itself.
        pool = new pg.Pool({ connectionString: DB.url, max: POOL_SIZE, options: '-c search_path=bullmq' });
        pool.on('error', (error) => process.stderr.write(`BullMQ pool: ${String(error)}\n`));
        // Every queue, worker and event reader on it adds its error listener.
        pool.setMaxListeners(100);
        // A pool of our own is used as it is, migrations included: they run here, as its docs say.
        await runMigrations(pool as unknown as PgQueryable);
      }
      made = classes(backend, pool);
      const probe = queue('probe');
      await probe.waitUntilReady();
      await cleanUp();
    },
    async close() {
      await cleanUp();
      if (pool !== undefined) {
        await pool.end();
        await dropPeerDatabase(DB.name);
      }
    },

    async lifecycle(round) {
      const figures: RoundFigures = {};
      const n = sizes.units;
      const one = queue(`one-${round}`);
      const batch = queue(`batch-${round}`);
      figures.createOne = await rate(n, () => pooled(n, CREATE_CONCURRENCY, (i) => one.add('unit', { i })));
      expectCount('BullMQ jobs added', n, await one.getWaitingCount());
      figures.createBatch = await rate(n, () => batch.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'unit', data: { i } }))));
      expectCount('BullMQ jobs added in bulk', n, await batch.getWaitingCount());
      const workers = Array.from({ length: CLAIM_WORKERS }, () => manualWorker(batch.name));
      try {
        let running: Running[] = [];
        figures.claim = await rate(n, async () => (running = await take(workers, n, CLAIM_BATCH)));
        expectCount('BullMQ jobs taken', n, new Set(running.map((r) => r.job.id)).size);
        const beaten = running.slice(0, sizes.beats);
        let extended = 0;
        figures.beatMany = await rate(sizes.beats, async () => {
          const failed = await (workers[0] as Worker).extendJobLocks(
            beaten.map((r) => r.job.id as string),
            beaten.map((r) => r.token),
            LOCK_MS,
          );
          extended = beaten.length - failed.length;
        });
        expectCount('BullMQ locks extended in a batch', sizes.beats, extended);
        extended = 0;
        figures.beatOne = await rate(sizes.beats, () =>
          pooled(sizes.beats, CREATE_CONCURRENCY, async (i) => {
            const r = beaten[i] as Running;
            if ((await r.job.extendLock(r.token, LOCK_MS)) === 1) extended += 1;
          }),
        );
        expectCount('BullMQ locks extended', sizes.beats, extended);
        figures.completeOne = await rate(n, () =>
          pooled(n, COMPLETE_CONCURRENCY, async (i) => {
            const r = running[i] as Running;
            await r.job.moveToCompleted('done', r.token, false);
          }),
        );
        expectCount('BullMQ jobs completed', n, await batch.getCompletedCount());
      } finally {
        await Promise.all(workers.map((w) => w.close()));
      }
      await cleanUp();
      return figures;
    },

    async rescue(round) {
      const q = queue(`rescue-${round}`);
      const due = sizes.rescueDue;
      await addInChunks(q, sizes.rescueInFlight);
      // The healthy jobs are held by a worker with a long lock; the due ones by a worker whose
      // short lock nobody renews (a manual worker renews nothing): they lapse as a dead worker's do.
      const healthy = manualWorker(q.name, 3_600_000);
      const dying = manualWorker(q.name, SHORT_LOCK_MS);
      const checker = manualWorker(q.name, LOCK_MS, STALLED_INTERVAL_MS);
      const moved = new Set<string>();
      checker.on('stalled', (jobId) => moved.add(jobId));
      try {
        if (pool === undefined) {
          expectCount('BullMQ healthy jobs running', sizes.rescueInFlight - due, (await take([healthy], sizes.rescueInFlight - due, 16)).length);
          expectCount('BullMQ due jobs running', due, (await take([dying], due, 16)).length);
        } else {
          // On PostgreSQL the fixture is written by hand, as ours is: taking 100,000 jobs one
          // getNextJob each takes minutes here. The rows are what move_to_active leaves (active,
          // a token, a lock deadline, started once); the due ones' lock ran out a second ago.
          const { rowCount } = await pool.query(
            `UPDATE bullmq.job SET state = 'active', lock_token = 'seeded', processed_by = 'seeded', attempts_started = 1,
                processed_at_ms = $2::bigint, locked_until_ms = $2::bigint + CASE WHEN seq IN (
                  SELECT seq FROM bullmq.job WHERE queue = $1 ORDER BY seq LIMIT $3) THEN -1000 ELSE 3600000 END
              WHERE queue = $1`,
            [q.name, Date.now(), due],
          );
          expectCount('BullMQ jobs running', sizes.rescueInFlight, rowCount ?? 0);
          await pool.query('VACUUM ANALYZE bullmq.job');
          await pool.query('CHECKPOINT');
        }
        const lapsed = performance.now() + SHORT_LOCK_MS + 100;
        // The previous pass of the check: it marks every active job (a job is moved by the pass
        // after the one that marked it, if its lock has lapsed in between).
        const stalledPass = () => (checker as unknown as { moveStalledJobsToWait(): Promise<void> }).moveStalledJobsToWait();
        await stalledPass();
        expectCount('BullMQ jobs moved by the marking pass', 0, moved.size);
        await sleep(Math.max(lapsed - performance.now(), STALLED_INTERVAL_MS + 50));
        const ms = await elapsed(stalledPass);
        expectCount('BullMQ stalled jobs moved', due, moved.size);
        expectCount('BullMQ jobs waiting again', due, await q.getWaitingCount());
        return ms;
      } finally {
        await Promise.all([healthy.close(), dying.close(), checker.close()]);
        await cleanUp();
      }
    },

    async latency(round) {
      const q = queue(`latency-${round}`);
      const events = open().events(q.name);
      const worker = manualWorker(q.name);
      try {
        await events.waitUntilReady();
        await q.addBulk(Array.from({ length: sizes.latencySamples }, (_, i) => ({ name: 'unit', data: { i } })));
        const running = await take([worker], sizes.latencySamples, 1);
        const samples: LatencySample[] = [];
        for (const r of running) {
          const learned = new Promise<number>((resolve) => {
            const listener = ({ jobId }: { jobId: string }) => {
              if (jobId !== r.job.id) return;
              events.off('completed', listener);
              resolve(performance.now());
            };
            events.on('completed', listener);
          });
          await jitter(20, 120);
          const started = performance.now();
          await r.job.moveToCompleted('done', r.token, false);
          const returned = performance.now();
          samples.push(sample(started, returned, await learned));
        }
        return samples;
      } finally {
        await Promise.all([worker.close(), events.close()]);
        await cleanUp();
      }
    },
  };
}
