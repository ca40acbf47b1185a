import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDelegations, silentLogger, type Delegations, type SubscriptionHandle } from '../../src/index.js';
import { auditDeliveries, auditLog, readLog, report } from './support/audit.js';
import { type ScratchCluster, skipScratchCluster, startScratchCluster } from './support/cluster.js';
import { EventFollower } from './support/follower.js';
import { Acknowledged, runWriters, seedOverdue } from './support/load.js';
import { retried, until } from './support/wait.js';

// Bounded counts, not durations: the sweep is large enough to be in flight when the server
// dies (its thousands of positions unflushed), the writers run before, through and after it.
const OVERDUE = 8_000;
const WRITERS = { writers: 4, delegationsEach: 40, prefix: 'crash' };
const CRASH_AFTER = 40; // delegations the writers finished before the crash

const skip = await skipScratchCluster();

describe.skipIf(skip)('an immediate PostgreSQL restart under load', () => {
  let cluster: ScratchCluster;
  let admin: pg.Pool;
  const opened: Delegations[] = [];
  let follower: EventFollower | undefined;

  beforeAll(async () => {
    cluster = await startScratchCluster();
    admin = new pg.Pool({ connectionString: cluster.url, max: 2 });
    admin.on('error', () => undefined);
    admin.on('connect', (client) => client.on('error', () => undefined));
  });
  afterAll(async () => {
    await follower?.kill();
    await Promise.all(opened.map((d) => d.close().catch(() => undefined)));
    await admin?.end().catch(() => undefined);
    await cluster?.destroy();
  });

  async function open(): Promise<Delegations> {
    const d = await createDelegations({ store: 'postgres', connectionString: cluster.url, logger: silentLogger, env: {}, poolSize: 4 });
    opened.push(d);
    return d;
  }

  const lastPosition = async () => Number((await admin.query('SELECT coalesce(max(position), 0) AS p FROM delegation_events')).rows[0].p);
  const sweepActive = async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'WITH due AS%'`)).rowCount === 1;

  it('delivers every committed event to an in-process and an out-of-process subscriber, in order, none skipped', async () => {
    const writer = await open();
    await seedOverdue(cluster.url, admin, 'overdue', OVERDUE);
    const reader = await open();
    const received: number[] = [];
    const sub: SubscriptionHandle = reader.subscribe({
      name: 'in-process',
      batchSize: 1000,
      pollIntervalMs: 100,
      retryDelayMs: 20,
      handler: (events) => void received.push(...events.map((event) => event.position)),
    });
    follower = new EventFollower(cluster.url);
    const seeded = await lastPosition();
    const tail = follower;
    await until('both subscribers read the seeded log', () => received.at(-1) === seeded && tail.positions.at(-1) === seeded, 60_000);

    const acks = new Acknowledged();
    let finished = 0;
    const writing = runWriters(writer, WRITERS, acks, (done) => (finished = done));
    await until('the writers are under way', () => finished >= CRASH_AFTER);
    const sweeping = writer.sweeper.sweep();
    await until('the large sweep is in flight', sweepActive, 30_000);
    await cluster.crash();
    await cluster.start();
    const firstSweep = await sweeping;
    await writing;

    // The sweep the crash cut short is run again, as the sweeper's loop would.
    await retried(async () => {
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM delegations WHERE status <> 'failed' AND delegation_id LIKE 'overdue-%'`);
      if (rows[0].n > 0) await writer.sweeper.sweep();
      if (rows[0].n > 0) throw new Error(`${rows[0].n} overdue delegations not failed yet`);
    });
    const last = await lastPosition();
    await until('both subscribers delivered the last event', () => received.includes(last) && tail.positions.includes(last), 60_000);

    const log = await readLog(admin);
    const audit = auditLog(log, acks.writes);
    const inProcess = auditDeliveries(received, log);
    const outOfProcess = auditDeliveries(tail.positions, log);
    const verified = await writer.verify();
    report('server crash under load', {
      acknowledged: acks.writes.length,
      failedCalls: acks.failures,
      sweptBeforeCrash: firstSweep.deadlineFailures,
      events: log.length,
      lost: audit.lost,
      reversed: audit.reversed,
      doubleTerminal: audit.doubleTerminal,
      skippedInProcess: inProcess.skipped,
      duplicatedInProcess: inProcess.duplicated,
      skippedCli: outOfProcess.skipped,
      duplicatedCli: outOfProcess.duplicated,
      outOfOrder: inProcess.outOfOrder + outOfProcess.outOfOrder,
      phantom: inProcess.phantom + outOfProcess.phantom,
      mismatches: verified.mismatches.length,
    });

    expect(acks.failures, 'the crash happened while the writers were writing').toBeGreaterThan(0);
    expect(audit).toEqual({ lost: 0, reversed: 0, doubleTerminal: 0 });
    expect(inProcess).toMatchObject({ skipped: 0, outOfOrder: 0, phantom: 0, delivered: log.length });
    expect(outOfProcess).toMatchObject({ skipped: 0, outOfOrder: 0, phantom: 0, delivered: log.length });
    expect(verified.mismatches).toEqual([]);
    // Both came back on their own: the subscription never gave up, the CLI never exited.
    expect(follower.running, follower.errors).toBe(true);
    await sub.stop();
    await sub.done;
    expect(await follower.stop(), follower.errors).toBe(0);
  });
});
