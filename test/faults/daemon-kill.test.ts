import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDelegations, silentLogger, type Delegations } from '../../src/index.js';
import { api, DaemonProcess } from '../e2e/support/daemon.js';
import { auditDeliveries, auditLog, readLog, report } from './support/audit.js';
import { type ScratchCluster, skipScratchCluster, startScratchCluster } from './support/cluster.js';
import { Acknowledged, runWriters, seedOverdue } from './support/load.js';
import { until } from './support/wait.js';

// A sweep over this many overdue delegations takes long enough to be caught in flight.
const OVERDUE = 8_000;
// Operator cancels sent through the restarted daemon while it sweeps: racing the sweep for the same rows.
const CANCELS = 60;
const WRITERS = { writers: 2, delegationsEach: 25, prefix: 'kill' };
const HEALTHY = Array.from({ length: 20 }, (_, i) => `healthy-${i}`);

const skip = await skipScratchCluster();

describe.skipIf(skip)('kill -9 of a PostgreSQL daemon in the middle of a large sweep', () => {
  let cluster: ScratchCluster;
  let admin: pg.Pool;
  let library: Delegations | undefined;
  const daemons: DaemonProcess[] = [];

  beforeAll(async () => {
    // As production servers should run: a backend notices its client is gone while a long statement
    // runs, and rolls it back, instead of finishing (and committing) a sweep nobody will hear about.
    cluster = await startScratchCluster({ settings: { client_connection_check_interval: '50ms' } });
    admin = new pg.Pool({ connectionString: cluster.url, max: 2 });
  });
  afterAll(async () => {
    await Promise.all(daemons.map((daemon) => daemon.kill()));
    await library?.close();
    await admin?.end();
    await cluster?.destroy();
  });

  function startDaemon(): DaemonProcess {
    const daemon = DaemonProcess.start('bin', [], { DATABASE_URL: cluster.url, LOG_LEVEL: 'info', DELEGATION_SWEEPER_INTERVAL_S: '1' });
    daemons.push(daemon);
    return daemon;
  }

  const count = async (where: string) => Number((await admin.query(`SELECT count(*)::int AS n FROM delegations WHERE ${where}`)).rows[0].n);
  const sweepActive = async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'WITH due AS%'`)).rowCount === 1;

  it('loses no acknowledged write, changes no terminal status, and the restarted daemon finishes the sweep', async () => {
    const ids = await seedOverdue(cluster.url, admin, 'sweep', OVERDUE);
    library = await createDelegations({ store: 'postgres', connectionString: cluster.url, logger: silentLogger, env: {} });
    const received: number[] = [];
    library.subscribe({
      name: 'audit',
      batchSize: 2000,
      pollIntervalMs: 100,
      retryDelayMs: 20,
      handler: (events) => void received.push(...events.map((e) => e.position)),
    });
    const acks = new Acknowledged();
    const writing = runWriters(library, WRITERS, acks);

    const healthy = await Promise.all(HEALTHY.map((id) => library?.ledger.create({ delegationId: id, callerId: 'ops', calleeId: 'agent', task: 'keep' })));
    const answers = { applied: 0, refused: 0 };
    // Through the daemon: answered 200 applied (acknowledged) or 409 refused (the sweep failed it first).
    const cancel = (url: string, ids: readonly string[]) =>
      Promise.all(
        ids.map(async (id) => {
          const response = await api(url, `/admin/delegations/${id}/cancel`, { method: 'POST', body: JSON.stringify({ reason: 'operator' }) });
          const outcome = response.body as { outcome?: string; event?: { version: number; toStatus: string } };
          if (response.status === 200 && outcome.outcome === 'applied' && outcome.event !== undefined) {
            answers.applied += 1;
            acks.add({ delegationId: id, version: outcome.event.version, toStatus: outcome.event.toStatus });
          } else if (response.status === 409) answers.refused += 1;
          else throw new Error(`cancel ${id}: ${response.status} ${response.text}`);
        }),
      );

    // The first sweep starts as the daemon does: it dies in the middle of it.
    const first = startDaemon();
    await until('the daemon is sweeping', sweepActive, 45_000);
    first.signal('SIGKILL');
    const killed = await first.exited;
    await until('its backend gave the sweep up', async () => !(await sweepActive()));
    const leftInFlight = await count(`delegation_id LIKE 'sweep-%' AND status NOT IN ('failed', 'cancelled')`);

    const second = startDaemon();
    const restarted = await second.url();
    await until('the restarted daemon is ready', async () => (await api(restarted, '/healthz')).status === 200);
    // Healthy delegations' cancels answer at once; overdue ones race the restarted daemon's sweep.
    await Promise.all([
      cancel(
        restarted,
        healthy.map((d) => d?.delegationId ?? ''),
      ),
      cancel(restarted, ids.slice(-CANCELS)),
    ]);
    await until(
      'the restarted daemon swept every overdue delegation',
      async () => (await count(`delegation_id LIKE 'sweep-%' AND status NOT IN ('failed', 'cancelled')`)) === 0,
      60_000,
    );
    await writing;
    const health = await api(restarted, '/healthz');
    const last = Number((await admin.query('SELECT max(position) AS p FROM delegation_events')).rows[0].p);
    await until('the subscriber delivered the last event', () => received.includes(last), 30_000);

    const log = await readLog(admin);
    const audit = auditLog(log, acks.writes);
    const deliveries = auditDeliveries(received, log);
    const verified = await library.verify();
    const cancelled = await count(`delegation_id LIKE 'sweep-%' AND status = 'cancelled'`);
    report('daemon kill -9 mid-sweep', {
      acknowledged: acks.writes.length,
      cancelsApplied: answers.applied,
      cancelsRefused: answers.refused,
      failedCalls: acks.failures,
      leftInFlightByKill: leftInFlight,
      cancelled,
      events: log.length,
      lost: audit.lost,
      reversed: audit.reversed,
      doubleTerminal: audit.doubleTerminal,
      skipped: deliveries.skipped,
      duplicated: deliveries.duplicated,
      outOfOrder: deliveries.outOfOrder,
      mismatches: verified.mismatches.length,
    });

    expect(killed.code).toBeNull(); // it died by the signal, not by finishing
    expect(leftInFlight, 'the kill cut the sweep short').toBeGreaterThan(0);
    expect(audit).toEqual({ lost: 0, reversed: 0, doubleTerminal: 0 });
    expect(await count(`delegation_id LIKE 'sweep-%' AND status = 'failed'`)).toBe(OVERDUE + 1 - cancelled);
    expect(deliveries).toMatchObject({ skipped: 0, outOfOrder: 0, phantom: 0 });
    expect(verified.mismatches).toEqual([]);
    expect(await count(`delegation_id LIKE 'healthy-%' AND status = 'cancelled'`)).toBe(HEALTHY.length);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', database: 'reachable' });
    second.signal('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});
