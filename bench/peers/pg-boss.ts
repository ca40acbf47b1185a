import PgBoss from 'pg-boss';
import {
  CLAIM_BATCH,
  CLAIM_WORKERS,
  COMPLETE_CONCURRENCY,
  type Competitor,
  CREATE_CONCURRENCY,
  dropPeerDatabase,
  elapsed,
  expectCount,
  jitter,
  peerDatabase,
  POOL_SIZE,
  pooled,
  rate,
  type RoundFigures,
  recreatePeerDatabase,
  type Sizes,
  sleep,
  type LatencySample,
  sample,
} from './shared.js';

const DB = peerDatabase('pgboss');
const POLL_MS = 100;

/**
 * pg-boss 10 on a database of its own. Its recommended settings are its defaults (retries 2,
 * expiry 15 min, a standard queue per name, completed jobs kept until archived); two are
 * changed: the pool holds 16 connections like ours (default 10), and the maintenance
 * timer is off (`supervise: false`) so that it never runs inside another row's timing; row 5
 * runs the same maintenance step (`expire()`) itself.
 */
export function pgBossCompetitor(sizes: Sizes): Competitor {
  let boss: PgBoss | undefined;
  const open = () => {
    if (boss === undefined) throw new Error('pg-boss is not open');
    return boss;
  };
  const fresh = async (name: string) => {
    const b = open();
    await b.createQueue(name);
    return name;
  };

  return {
    name: 'pg-boss 10.4.2',
    how: {
      createOne: 'boss.send(queue, data), concurrency 16',
      createBatch: 'boss.insert(10,000 jobs): one INSERT ... SELECT FROM json_to_recordset',
      claim: 'boss.fetch(queue, { batchSize: 100 }), 4 loops (SKIP LOCKED update to active)',
      beatMany: 'none: 10.x has no heartbeat and no way to extend a running job (expireIn is fixed when the job is sent)',
      beatOne: 'none: as above',
      completeOne: 'boss.complete(queue, id), concurrency 16, on the first half of the fetched jobs',
      completeBatch: 'boss.complete(queue, ids of a fetched batch of 100), 4 at a time (one UPDATE per 100), on the other half',
      cycle: 'not measured: fetch and complete are separate calls, see rows 2 and 4',
      rescue: 'boss.expire(), the step its maintenance runs (every 2 min by default): DELETE the expired active jobs and INSERT them back as retry/failed',
      latencyP50: `none built in (10.x removed onComplete and completion jobs); measured: the caller polls getJobById every ${POLL_MS} ms`,
      latencyP99: 'as p50',
      afterReturnP50: 'as p50',
    },
    async open() {
      await recreatePeerDatabase(DB.name);
      boss = new PgBoss({ connectionString: DB.url, max: POOL_SIZE, supervise: false, schedule: false });
      boss.on('error', (error) => process.stderr.write(`pg-boss: ${String(error)}\n`));
      await boss.start();
    },
    async close() {
      await boss?.stop({ graceful: false, wait: true });
      await dropPeerDatabase(DB.name);
    },

    async lifecycle(round) {
      const b = open();
      const figures: RoundFigures = {};
      const n = sizes.units;
      const one = await fresh(`one_${round}`);
      const batch = await fresh(`batch_${round}`);
      figures.createOne = await rate(n, () => pooled(n, CREATE_CONCURRENCY, (i) => b.send(one, { i })));
      expectCount('pg-boss jobs sent', n, await b.getQueueSize(one));
      figures.createBatch = await rate(n, () => b.insert(Array.from({ length: n }, (_, i) => ({ name: batch, data: { i } }))));
      expectCount('pg-boss jobs inserted', n, await b.getQueueSize(batch));
      const fetched: string[][] = [];
      figures.claim = await rate(n, () =>
        Promise.all(
          Array.from({ length: CLAIM_WORKERS }, async () => {
            for (;;) {
              const jobs = await b.fetch(batch, { batchSize: CLAIM_BATCH });
              if (jobs.length === 0) return;
              fetched.push(jobs.map((job) => job.id));
            }
          }),
        ),
      );
      expectCount('pg-boss jobs fetched', n, new Set(fetched.flat()).size);
      // Half the jobs completed one call each, the other half a fetched batch of ids per call.
      const half = Math.floor(fetched.length / 2);
      const singles = fetched.slice(0, half).flat();
      const batches = fetched.slice(half);
      let completed = 0;
      const affected = async (ids: string | string[]) => {
        // 10.x answers { jobs, requested, affected } though its types say void.
        const answer = (await b.complete(batch, ids as string)) as unknown as { affected: number };
        // Added after the await: `completed += await ...` would read the tally before it and lose concurrent updates.
        completed += answer.affected;
      };
      figures.completeOne = await rate(singles.length, () => pooled(singles.length, COMPLETE_CONCURRENCY, (i) => affected(singles[i] as string)));
      const batched = batches.flat().length;
      figures.completeBatch = await rate(batched, () => pooled(batches.length, CLAIM_WORKERS, (i) => affected(batches[i] as string[])));
      expectCount('pg-boss jobs completed', n, completed);
      // Empty queues left behind cost the next phase nothing; jobs would (expire() scans them all).
      await b.clearStorage();
      return figures;
    },

    async rescue(round) {
      const b = open();
      const queue = await fresh(`rescue_${round}`);
      const due = sizes.rescueDue;
      // Every tenth job expires a second after it starts; the rest have an hour.
      const step = sizes.rescueInFlight / due;
      await b.insert(Array.from({ length: sizes.rescueInFlight }, (_, i) => ({ name: queue, data: { i }, expireInSeconds: i % step === 0 ? 1 : 3600 })));
      const fetched = await b.fetch(queue, { batchSize: sizes.rescueInFlight });
      expectCount('pg-boss jobs running', sizes.rescueInFlight, fetched.length);
      // As every competitor's rescue: on a vacuumed, analysed table, right after a checkpoint.
      await b.getDb().executeSql('VACUUM ANALYZE pgboss.job', []);
      await b.getDb().executeSql('CHECKPOINT', []);
      await sleep(1_100);
      const ms = await elapsed(() => b.expire());
      const { rows } = await b.getDb().executeSql(`SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state IN ('retry', 'failed')`, [queue]);
      expectCount('pg-boss jobs expired', due, Number(rows[0]?.n));
      await b.clearStorage();
      return ms;
    },

    async latency(round) {
      const b = open();
      const queue = await fresh(`latency_${round}`);
      await b.insert(Array.from({ length: sizes.latencySamples }, (_, i) => ({ name: queue, data: { i } })));
      const jobs = await b.fetch(queue, { batchSize: sizes.latencySamples });
      const samples: LatencySample[] = [];
      for (const job of jobs) {
        // The caller: a poll of the job's row every POLL_MS until it reads completed.
        const learned = (async () => {
          for (;;) {
            if ((await b.getJobById(queue, job.id))?.state === 'completed') return performance.now();
            await sleep(POLL_MS);
          }
        })();
        await jitter(20, 120);
        const started = performance.now();
        await b.complete(queue, job.id);
        const returned = performance.now();
        samples.push(sample(started, returned, await learned));
      }
      await b.clearStorage();
      return samples;
    },
  };
}
