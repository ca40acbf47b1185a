import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { STATUS_FILTERS } from '../../src/adapters/admin/list-query.js';
import { IN_FLIGHT_STATUSES, STATUSES } from '../../src/index.js';
import { createTestDatabase } from '../support/postgres.js';
import { api, DaemonProcess } from './support/daemon.js';
import { CASES, seed, withDatabase, withLibrary } from './support/seed.js';

const TOKEN = 'e2e-secret-token';
const SHUTDOWN = 'shutting down: refusing new requests, letting the sweep in progress finish';
const daemons: DaemonProcess[] = [];
afterAll(async () => {
  await Promise.all(daemons.map((daemon) => daemon.kill()));
});

function start(env: Record<string, string>): DaemonProcess {
  const daemon = DaemonProcess.start('bin', [], env);
  daemons.push(daemon);
  return daemon;
}

// Concurrent: each test has a database and a daemon of its own, and mostly waits on that daemon.
describe.concurrent('the daemon on PostgreSQL', () => {
  it('serves every route, each behind the token but /healthz, then stops cleanly on SIGTERM', ({ expect }) =>
    withDatabase('e2e_daemon', async (db) => {
      const store = { store: 'postgres', connectionString: db.url } as const;
      await seed(store, { overdue: 0 });
      const daemon = start({ DATABASE_URL: db.url, DELEGATIONS_ADMIN_TOKEN: TOKEN, HOST: '127.0.0.1', LOG_LEVEL: 'info' });
      const base = await daemon.url();
      await daemon.waitForLog('sweeper started');

      // The loop logs that it started before its first sweep ends: /healthz reports that sweep once it has.
      let health = await api(base, '/healthz');
      for (let i = 0; i < 100 && (health.body as { lastSweep?: unknown } | null)?.lastSweep === null; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        health = await api(base, '/healthz');
      }
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok', database: 'reachable', lastSweep: { at: expect.any(String), scanned: 0 } });

      for (const [method, path] of [
        ['GET', '/admin/delegations'],
        ['GET', '/admin/stats'],
        ['GET', `/admin/delegations/${CASES.stuck}`],
        ['POST', `/admin/delegations/${CASES.stuck}/retry`],
        ['POST', `/admin/delegations/${CASES.queued}/cancel`],
        ['GET', '/metrics'],
      ] as const) {
        const missing = await api(base, path, { method });
        expect(missing.status, `${method} ${path} without a token`).toBe(401);
        expect(missing.body).toMatchObject({ error: 'unauthorized' });
        expect((await api(base, path, { method, token: 'wrong' })).status, `${method} ${path} with a wrong token`).toBe(401);
      }
      // Nothing the refused requests asked for happened.
      expect((await api(base, `/admin/delegations/${CASES.stuck}`, { token: TOKEN })).body).toMatchObject({ delegation: { status: 'stuck' } });

      const inFlight = await api(base, '/admin/delegations', { token: TOKEN });
      expect(inFlight.status).toBe(200);
      expect(inFlight.body).toMatchObject({ status: 'in_flight', limit: 100, count: 3 });
      const listed = (inFlight.body as { delegations: { delegationId: string; status: string }[] }).delegations;
      expect(listed.map((d) => d.delegationId).sort()).toEqual([CASES.queued, CASES.running, CASES.stuck].sort());
      expect(listed.every((d) => (IN_FLIGHT_STATUSES as readonly string[]).includes(d.status))).toBe(true);
      expect((await api(base, '/admin/delegations?status=completed&limit=1', { token: TOKEN })).body).toMatchObject({
        count: 1,
        delegations: [{ delegationId: CASES.done }],
      });
      expect((await api(base, '/admin/delegations?status=all&limit=2', { token: TOKEN })).body).toMatchObject({ count: 2 });

      const unknownStatus = await api(base, '/admin/delegations?status=sleeping', { token: TOKEN });
      expect(unknownStatus.status).toBe(400);
      expect(unknownStatus.body).toEqual({ error: 'bad_request', field: 'status', message: expect.stringContaining('sleeping'), allowed: [...STATUS_FILTERS] });
      expect(STATUS_FILTERS).toEqual(expect.arrayContaining([...STATUSES, 'in_flight']));
      for (const [query, field] of [
        ['limit=0', 'limit'],
        ['limit=1001', 'limit'],
        ['limit=ten', 'limit'],
        ['limit=2.5', 'limit'],
        ['stauts=stuck', 'stauts'],
      ]) {
        const bad = await api(base, `/admin/delegations?${query}`, { token: TOKEN });
        expect(bad.status, query).toBe(400);
        expect(bad.body, query).toMatchObject({ error: 'bad_request', field });
      }

      const stats = await api(base, '/admin/stats', { token: TOKEN });
      expect(stats.body).toEqual({ queued: 1, dispatched: 0, in_progress: 1, input_required: 0, stuck: 1, completed: 1, failed: 0, cancelled: 0, rejected: 0 });

      const shown = await api(base, `/admin/delegations/${CASES.stuck}`, { token: TOKEN });
      expect(shown.status).toBe(200);
      expect((shown.body as { history: { type: string }[] }).history.map((e) => e.type)).toEqual(['created', 'dispatched', 'marked_stuck']);
      expect((await api(base, '/admin/delegations/no-such-id', { token: TOKEN })).status).toBe(404);

      const retried = await api(base, `/admin/delegations/${CASES.stuck}/retry`, { method: 'POST', token: TOKEN });
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ outcome: 'applied', event: { type: 'requeued', toStatus: 'queued', attempt: 2 } });
      const refusedRetry = await api(base, `/admin/delegations/${CASES.running}/retry`, { method: 'POST', token: TOKEN });
      expect(refusedRetry.status).toBe(409);
      expect(refusedRetry.body).toMatchObject({
        error: 'refused',
        reason: expect.any(String),
        message: expect.any(String),
        delegation: { status: 'in_progress' },
      });
      expect((await api(base, '/admin/delegations/no-such-id/retry', { method: 'POST', token: TOKEN })).status).toBe(404);

      const cancel = (id: string, body?: string) => api(base, `/admin/delegations/${id}/cancel`, { method: 'POST', token: TOKEN, body });
      const cancelled = await cancel(CASES.queued, JSON.stringify({ reason: 'duplicate request' }));
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ outcome: 'applied', delegation: { status: 'cancelled', errorDetail: 'duplicate request' } });
      expect((await cancel(CASES.queued)).body).toMatchObject({ outcome: 'unchanged' });
      const refusedCancel = await cancel(CASES.done);
      expect(refusedCancel.status).toBe(409);
      expect(refusedCancel.body).toMatchObject({ error: 'refused', delegation: { status: 'completed' } });
      expect((await cancel('no-such-id')).status).toBe(404);
      expect((await cancel(CASES.running, JSON.stringify({ reason: 42 }))).body).toMatchObject({ error: 'bad_request', field: 'reason' });
      expect((await cancel(CASES.running, JSON.stringify({ reson: 'typo' }))).body).toMatchObject({ error: 'bad_request', field: 'reson' });
      const malformed = await cancel(CASES.running, '{"reason":');
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ error: 'bad_request', field: 'body' });
      expect((await api(base, `/admin/delegations/${'x'.repeat(300)}`, { token: TOKEN })).body).toMatchObject({ error: 'bad_request', field: 'delegationId' });

      const metrics = await api(base, '/metrics', { token: TOKEN });
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(metrics.text).toMatch(/^delegations_sweeps_total\{result="ok"\} [1-9]/m);
      expect(metrics.text).toMatch(/^delegations_sweeps_total\{result="error"\} 0$/m);
      expect(metrics.text).toMatch(/^delegations_transitions_total\{type="requeued"\} 1$/m);
      expect(metrics.text).toMatch(/^delegations_transitions_total\{type="cancelled"\} 1$/m);
      expect(metrics.text).toMatch(/^delegations_transitions_total\{type="completed"\} 0$/m);
      expect(metrics.text).toMatch(/^delegations_sweep_duration_seconds_count [1-9]/m);
      expect(metrics.text).toMatch(/^delegations_in_flight\{status="queued"\} 1$/m);
      expect(metrics.text).toMatch(/^delegations_in_flight\{status="in_progress"\} 1$/m);
      expect(metrics.text).toMatch(/^delegations_last_sweep_timestamp_seconds \d/m);

      expect((await api(base, '/nowhere', { token: TOKEN })).status).toBe(404);
      const requestLine = daemon.logs.find(
        (line) => line.msg === 'admin request' && line.path === `/admin/delegations/${CASES.stuck}/retry` && line.status === 200,
      );
      expect(requestLine).toMatchObject({ delegationId: CASES.stuck });

      daemon.signal('SIGTERM');
      expect((await daemon.exited).code).toBe(0);
      expect(daemon.logs.at(-1)).toMatchObject({ msg: 'stopped' });
      await withLibrary(store, async (d) => expect((await d.verify()).mismatches).toEqual([]));
    }));

  it('answers 503 while the database opens; on SIGTERM refuses new requests, lets the sweep finish, exits 0', ({ expect }) =>
    withDatabase('e2e_sigterm', async (db) => {
      const store = { store: 'postgres', connectionString: db.url } as const;
      const overdue = await seed(store, { overdue: 20 });
      // Two sessions hold the daemon where the test wants it: one keeps the migrator waiting
      // (the daemon is still starting), one blocks the sweep's INSERT (a sweep is in progress).
      const [migrations, events] = [new pg.Client({ connectionString: db.url }), new pg.Client({ connectionString: db.url })];
      await Promise.all([migrations.connect(), events.connect()]);
      try {
        await migrations.query('BEGIN');
        await migrations.query('LOCK TABLE delegation_migrations IN ACCESS EXCLUSIVE MODE');
        await events.query('BEGIN');
        await events.query('LOCK TABLE delegation_events IN SHARE MODE');
        const daemon = start({ DATABASE_URL: db.url, DELEGATIONS_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'debug' });
        const base = await daemon.url();
        const starting = await api(base, '/healthz');
        expect(starting.status).toBe(503);
        expect(starting.body).toMatchObject({ status: 'starting', database: 'opening', lastSweep: null });
        expect((await api(base, '/admin/delegations', { token: TOKEN })).body).toMatchObject({ error: 'starting' });
        expect((await api(base, '/admin/delegations')).status).toBe(401);

        await migrations.query('ROLLBACK');
        await daemon.waitForLog('sweep started');
        expect((await api(base, '/healthz')).body).toMatchObject({ status: 'ok', lastSweep: null });

        daemon.signal('SIGTERM');
        await daemon.waitForLog(SHUTDOWN);
        await expect(fetch(`${base}/healthz`)).rejects.toThrow();
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(daemon.running).toBe(true);
        expect(daemon.logs.some((line) => line.msg === 'sweep complete')).toBe(false);

        await events.query('ROLLBACK');
        expect((await daemon.exited).code).toBe(0);
        const messages = daemon.logs.map((line) => line.msg);
        expect(messages.indexOf('sweep complete')).toBeGreaterThan(messages.indexOf(SHUTDOWN));
        expect(daemon.logs.find((line) => line.msg === 'sweep complete')).toMatchObject({ deadlineFailures: overdue.length });
        expect(messages.at(-1)).toBe('stopped');
      } finally {
        await Promise.all([migrations.end(), events.end()]);
      }
      await withLibrary(store, async (d) => {
        expect((await d.verify()).mismatches).toEqual([]);
        expect(await d.ledger.stats()).toMatchObject({ failed: overdue.length });
        for (const id of [overdue[0] as string, overdue.at(-1) as string]) {
          expect((await d.ledger.history(id)).map((e) => e.type)).toEqual(['created', 'failed']);
        }
      });
    }));

  it('answers 503 on /healthz when the database goes away, and counts the sweeps that fail meanwhile', async ({ expect }) => {
    const doomed = await createTestDatabase('e2e_health');
    try {
      const daemon = start({ DATABASE_URL: doomed.url, LOG_LEVEL: 'info', DELEGATION_SWEEPER_INTERVAL_S: '1' });
      const base = await daemon.url();
      await daemon.waitForLog('sweeper started');
      expect((await api(base, '/healthz')).status).toBe(200);
      await doomed.drop();
      const health = await api(base, '/healthz');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'unavailable', database: 'unreachable' });
      // The loop goes on through the outage, counting each failed sweep.
      await daemon.waitForLog('sweep failed', 10_000);
      expect(((await api(base, '/healthz')).body as { failedSweeps: number }).failedSweeps).toBeGreaterThanOrEqual(1);
      expect((await api(base, '/metrics')).text).toMatch(/^delegations_sweeps_total\{result="error"\} [1-9]/m);
      daemon.signal('SIGINT');
      expect((await daemon.exited).code).toBe(0);
    } finally {
      await doomed.drop();
    }
  });
});
