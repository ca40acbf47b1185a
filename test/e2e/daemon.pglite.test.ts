import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, DaemonProcess } from './support/daemon.js';
import { runCli } from './support/processes.js';
import { CASES, seed, withLibrary } from './support/seed.js';

describe('`npm start` on embedded PGlite, without DELEGATIONS_ADMIN_TOKEN', () => {
  let dir = '';
  let daemon: DaemonProcess | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'delegations-e2e-'));
  });
  afterAll(async () => {
    await daemon?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('migrates a fresh data directory, serves the API on loopback only without auth, and stops on SIGTERM mid-sweep', async () => {
    const dataDir = join(dir, 'data');
    const store = { store: 'pglite', dataDir } as const;
    const overdue = await seed(store, { overdue: 50 });
    daemon = DaemonProcess.start('npm', ['--data-dir', dataDir], { HOST: '0.0.0.0', LOG_LEVEL: 'debug' });

    const warning = await daemon.waitForLog('DELEGATIONS_ADMIN_TOKEN is not set: the admin API needs no token and listens on 127.0.0.1 only (HOST ignored)');
    expect(warning).toMatchObject({ requestedHost: '0.0.0.0', host: '127.0.0.1' });
    const base = await daemon.url();
    expect(new URL(base).hostname).toBe('127.0.0.1');

    // The first sweep runs at once; SIGTERM lands while it is in progress (or just after: either way it must finish whole).
    await daemon.waitForLog('sweep started');
    const health = await api(base, '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ database: 'reachable' });

    expect((await api(base, '/admin/delegations/stats')).status).toBe(200);
    expect((await api(base, `/admin/delegations/${CASES.stuck}`)).body).toMatchObject({ delegation: { status: 'stuck' } });
    expect((await api(base, '/admin/delegations?status=stuck')).body).toMatchObject({ count: 1 });
    expect((await api(base, '/admin/delegations?status=nope')).status).toBe(400);
    expect((await api(base, `/admin/delegations/${CASES.stuck}/retry`, { method: 'POST' })).body).toMatchObject({ outcome: 'applied' });
    expect((await api(base, `/admin/delegations/${CASES.done}/cancel`, { method: 'POST' })).status).toBe(409);
    expect((await api(base, '/metrics')).text).toContain('delegations_transitions_total{type="requeued"} 1');

    const rival = await runCli(['list', '--data-dir', dataDir]);
    expect(rival.code).toBe(1);
    expect(rival.stderr.trim()).toMatch(/^error: data directory .* is in use by process \d+/);

    daemon.signal('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(daemon.logs.find((line) => line.msg === 'sweep complete')).toMatchObject({ deadlineFailures: overdue.length });
    expect(daemon.logs.at(-1)).toMatchObject({ msg: 'stopped' });

    await withLibrary(store, async (d) => {
      expect((await d.verify()).mismatches).toEqual([]);
      expect(await d.ledger.stats()).toMatchObject({ failed: overdue.length, queued: 2 });
    });
  });
});
