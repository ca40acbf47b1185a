import { EventEmitter } from 'node:events';
import { Logger, makeWorkerUtils, run, type Runner, type WorkerEvents, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import {
  CLAIM_BATCH,
  CLAIM_WORKERS,
  type Competitor,
  CREATE_CONCURRENCY,
  dropPeerDatabase,
  expectCount,
  peerDatabase,
  POOL_SIZE,
  pooled,
  rate,
  type RoundFigures,
  recreatePeerDatabase,
  type Sizes,
  sleep,
} from './shared.js';

const DB = peerDatabase('graphile');
const ADD_CHUNK = 10_000;
/** Each runner's executors: 4 runners of 4 is the 16 our completions run at. */
const RUNNER_CONCURRENCY = 4;
const silent = new Logger(() => () => {});

async function addInChunks(utils: WorkerUtils, identifier: string, count: number): Promise<void> {
  for (let from = 0; from < count; from += ADD_CHUNK) {
    await utils.addJobs(Array.from({ length: Math.min(ADD_CHUNK, count - from) }, (_, i) => ({ identifier, payload: { i: from + i } })));
  }
}

/**
 * graphile-worker 0.17 on a database of its own, with its defaults (prepared statements,
 * LISTEN/NOTIFY wake-ups, a 4-hour lock, the job deleted when it completes) and the
 * batching its performance guide recommends for throughput: a local queue of 100 (the
 * batch the issue asks for) and batched completions (`completeJobBatchDelay: 0`: what
 * completes in the same tick goes in one statement, without adding a wait).
 */
export function graphileCompetitor(sizes: Sizes): Competitor {
  let pool: pg.Pool | undefined;
  let utils: WorkerUtils | undefined;
  const open = () => {
    if (pool === undefined || utils === undefined) throw new Error('graphile-worker is not open');
    return { pool, utils };
  };
  const jobCount = async (p: pg.Pool, where = 'true') =>
    Number((await p.query(`SELECT count(*) AS n FROM graphile_worker._private_jobs WHERE ${where}`)).rows[0]?.n);

  return {
    name: 'graphile-worker 0.17.3',
    how: {
      createOne: 'workerUtils.addJob(task, payload), concurrency 16',
      createBatch: 'workerUtils.addJobs(10,000 specs): one call of its add_jobs SQL function',
      claim: 'none as a step of its own: jobs are taken only by its runner, which runs and completes them (see 2+4)',
      beatMany: 'none: the lock is taken once at claim and never renewed; a job still running after 4 hours is taken again',
      beatOne: 'none: as above',
      completeOne: 'none as a step of its own: a job completes when its task function returns (see 2+4)',
      completeBatch: 'none as a step of its own: its runner batches the completions itself (see 2+4)',
      cycle: `4 runners (run(), concurrency ${RUNNER_CONCURRENCY} each, localQueue size ${CLAIM_BATCH}, completeJobBatchDelay 0), a task that returns at once; from the first job:start to the last completion written (runner.stop() flushes them)`,
      rescue:
        "its resetLocked pass (what each runner runs every 8-10 min): one UPDATE clearing locks older than 4 h; timed from its 'resetLocked:started' event to 'resetLocked:success'",
      latencyP50:
        "none: its job events are in-process only, and 'job:success' fires when the task returns, before the completion is written, so it tells no caller anything",
      latencyP99: 'none: as p50',
      afterReturnP50: 'none: as p50',
    },
    async open() {
      await recreatePeerDatabase(DB.name);
      pool = new pg.Pool({ connectionString: DB.url, max: POOL_SIZE });
      pool.on('error', (error) => process.stderr.write(`graphile-worker pool: ${String(error)}\n`));
      pool.on('connect', (client) => client.on('error', (error) => process.stderr.write(`graphile-worker client: ${String(error)}\n`)));
      utils = await makeWorkerUtils({ pgPool: pool, logger: silent });
      await utils.migrate();
    },
    async close() {
      await utils?.release();
      await pool?.end();
      await dropPeerDatabase(DB.name);
    },

    async lifecycle(round) {
      const { pool, utils } = open();
      const figures: RoundFigures = {};
      const n = sizes.units;
      const ids: string[] = [];
      figures.createOne = await rate(n, () => pooled(n, CREATE_CONCURRENCY, async (i) => ids.push((await utils.addJob(`one_${round}`, { i })).id)));
      expectCount('graphile-worker jobs added', n, await jobCount(pool));
      // Untimed: those are not run (no runner knows their task); the batch below is.
      expectCount('graphile-worker unrun jobs removed', n, (await utils.completeJobs(ids)).length);
      const batch = `batch_${round}`;
      // The runners start first and wait (LISTENing) so that all four are up when the batch lands.
      const cycle = await startRunners(n, batch);
      let added = 0;
      figures.createBatch = await rate(n, async () => {
        added = (await utils.addJobs(Array.from({ length: n }, (_, i) => ({ identifier: batch, payload: { i } })))).length;
      });
      expectCount('graphile-worker jobs added in a batch', n, added);
      figures.cycle = await cycle();
      const left = await pool.query(
        `SELECT t.identifier, j.locked_by IS NOT NULL AS locked, count(*) AS n FROM graphile_worker._private_jobs j
          JOIN graphile_worker._private_tasks t ON t.id = j.task_id GROUP BY 1, 2`,
      );
      if (left.rows.length > 0) throw new Error(`graphile-worker jobs left after the cycle: ${JSON.stringify(left.rows)}`);
      return figures;
    },

    async rescue(round) {
      const { pool, utils } = open();
      const identifier = `rescue_${round}`;
      await addInChunks(utils, identifier, sizes.rescueInFlight);
      // The fixture by hand (there is no API that back-dates a lock): every job locked by a
      // worker, the due ones five hours ago (past the 4-hour expiry), the rest a minute ago.
      await pool.query(`UPDATE graphile_worker._private_jobs SET locked_at = now() - interval '1 minute', locked_by = 'gone', attempts = 1`);
      await pool.query(
        `UPDATE graphile_worker._private_jobs SET locked_at = now() - interval '5 hours'
          WHERE id IN (SELECT id FROM graphile_worker._private_jobs ORDER BY id LIMIT $1)`,
        [sizes.rescueDue],
      );
      // As every competitor's rescue: on a vacuumed, analysed table, right after a checkpoint.
      await pool.query('VACUUM ANALYZE graphile_worker._private_jobs');
      await pool.query('CHECKPOINT');
      const events: WorkerEvents = new EventEmitter();
      let started = 0;
      const pass = new Promise<number>((resolve, reject) => {
        events.once('resetLocked:started', () => (started = performance.now()));
        events.once('resetLocked:success', () => resolve(performance.now() - started));
        events.once('resetLocked:failure', ({ error }) => reject(error));
      });
      // A runner that knows no task of these jobs, so only its resetLocked pass touches them.
      const runner = await run({
        connectionString: DB.url,
        concurrency: 1,
        noHandleSignals: true,
        logger: silent,
        events,
        taskList: { idle: async () => {} },
        minResetLockedInterval: 1,
        maxResetLockedInterval: 1,
      });
      let ms: number;
      try {
        ms = await pass;
      } finally {
        await runner.stop();
      }
      expectCount('graphile-worker locks released', sizes.rescueDue, await jobCount(pool, 'locked_at IS NULL'));
      await pool.query('DELETE FROM graphile_worker._private_jobs');
      return ms;
    },

    async latency() {
      return undefined;
    },
  };

  /** Starts the runners; the function returned resolves with the cycle's units per second once every job is done and written. */
  async function startRunners(n: number, task: string): Promise<() => Promise<number>> {
    const events: WorkerEvents = new EventEmitter();
    let first = 0;
    let succeeded = 0;
    const allDone = new Promise<void>((resolve) => {
      events.on('job:start', () => {
        if (first === 0) first = performance.now();
      });
      events.on('job:success', () => {
        succeeded += 1;
        if (succeeded === n) resolve();
      });
    });
    const runners: Runner[] = [];
    for (let i = 0; i < CLAIM_WORKERS; i += 1) {
      runners.push(
        await run({
          connectionString: DB.url,
          concurrency: RUNNER_CONCURRENCY,
          noHandleSignals: true,
          logger: silent,
          events,
          taskList: { [task]: async () => {} },
          preset: { worker: { localQueue: { size: CLAIM_BATCH }, completeJobBatchDelay: 0 } },
        }),
      );
    }
    return async () => {
      await allDone;
      // The cycle ends when the last completion is written (the job row deleted), not when its task returned.
      const { pool } = open();
      const deadline = performance.now() + 30_000;
      while ((await jobCount(pool)) > 0) {
        if (performance.now() > deadline) throw new Error('graphile-worker: completions not written 30 s after the last task returned');
        await sleep(5);
      }
      const ended = performance.now();
      await Promise.all(runners.map((r) => r.stop()));
      return (n * 1000) / (ended - first);
    };
  }
}
