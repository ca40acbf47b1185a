import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUSES } from '../../src/index.js';
import { api, DaemonProcess } from './support/daemon.js';
import { runCli } from './support/processes.js';
import { CASES, seed, withLibrary } from './support/seed.js';

// In order: the second test reuses the directory the first one created, which saves creating another (seconds of CPU).
describe('the daemon on embedded PGlite, without DELEGATIONS_ADMIN_TOKEN', () => {
  let dir = '';
  const daemons: DaemonProcess[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'delegations-e2e-'));
  });
  afterAll(async () => {
    await Promise.all(daemons.map((daemon) => daemon.kill()));
    await rm(dir, { recursive: true, force: true });
  });

  it('`npm start` creates and migrates a fresh data directory and serves every route on loopback only, without auth', async () => {
    const dataDir = join(dir, 'data');
    // A bad policy or gap in the environment warns and falls back: start-up goes on.
    const env = { HOST: '0.0.0.0', LOG_LEVEL: 'info', DELEGATION_RETRY: '{"maxAttempts":0}', DELEGATION_OUTAGE_GAP_S: 'soon' };
    const daemon = DaemonProcess.start('npm', ['--data-dir', dataDir], env);
    daemons.push(daemon);
    expect(await daemon.waitForLog('invalid DELEGATION_RETRY.maxAttempts: must be an integer from 1 to 1000; using no automatic retry')).toMatchObject({
      variable: 'DELEGATION_RETRY',
    });
    expect(await daemon.waitForLog('invalid DELEGATION_OUTAGE_GAP_S, using the default')).toMatchObject({ value: 'soon', fallbackMs: 600_000 });
    const warning = await daemon.waitForLog(
      'no token is configured (DELEGATIONS_ADMIN_TOKEN, DELEGATIONS_TOKENS or DELEGATIONS_TOKENS_FILE): the API needs no token and listens on 127.0.0.1 only (HOST ignored)',
    );
    expect(warning).toMatchObject({ requestedHost: '0.0.0.0', host: '127.0.0.1' });
    const base = await daemon.url();
    expect(new URL(base).hostname).toBe('127.0.0.1');
    await daemon.waitForLog('sweeper started');

    expect((await api(base, '/healthz')).body).toMatchObject({ status: 'ok', database: 'reachable', lastSweep: { scanned: 0 } });
    expect((await api(base, '/admin/delegations')).body).toEqual({ status: 'in_flight', limit: 100, count: 0, delegations: [] });
    expect((await api(base, '/admin/stats')).body).toEqual(Object.fromEntries(STATUSES.map((status) => [status, 0])));
    expect((await api(base, '/admin/delegations?status=nope')).status).toBe(400);
    expect((await api(base, '/admin/delegations/nobody')).status).toBe(404);
    expect((await api(base, '/admin/delegations/nobody/retry', { method: 'POST' })).status).toBe(404);
    expect((await api(base, '/admin/delegations/nobody/cancel', { method: 'POST' })).status).toBe(404);
    expect((await api(base, '/metrics')).text).toContain('delegations_in_flight{status="queued"} 0');
    // Issue 10 item 2: this default daemon (no token) applied a text/plain write from any site and answered any Host.
    const crossSite = await fetch(`${base}/admin/delegations/nobody/cancel`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.json()).toMatchObject({ error: 'forbidden', field: 'origin' });
    expect((await api(base, '/admin/delegations/nobody/cancel', { method: 'POST', body: 'reason=x', contentType: 'text/plain' })).status).toBe(415);
    const rebound = await getWithHost(`${base}/admin/stats`, `rebound.example:${new URL(base).port}`);
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: 'misdirected_request', field: 'host' });
    expect((await getWithHost(`${base}/admin/stats`, `localhost:${new URL(base).port}`)).status).toBe(200);

    const rival = await runCli(['stats', '--data-dir', dataDir]);
    expect(rival.code).toBe(1);
    expect(rival.stderr.trim()).toMatch(/^error: data directory .* is in use by process \d+ \(a running daemon\?\)/);

    daemon.signal('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(daemon.logs.at(-1)).toMatchObject({ msg: 'stopped' });
  });

  it('stopped by SIGTERM as its first sweep starts, finishes that sweep whole and exits 0', async () => {
    const store = { store: 'pglite', dataDir: join(dir, 'data') } as const;
    const overdue = await seed(store, { overdue: 50 });
    const daemon = DaemonProcess.start('bin', ['--data-dir', store.dataDir], { LOG_LEVEL: 'debug' });
    daemons.push(daemon);
    await daemon.waitForLog('sweep started');
    daemon.signal('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(daemon.logs.find((line) => line.msg === 'sweep complete')).toMatchObject({ deadlineFailures: overdue.length });
    expect(daemon.logs.at(-1)).toMatchObject({ msg: 'stopped' });
    await withLibrary(store, async (d) => {
      expect((await d.verify()).mismatches).toEqual([]);
      expect(await d.ledger.stats()).toMatchObject({ failed: overdue.length, stuck: 1, completed: 1 });
      expect((await d.ledger.history(CASES.stuck)).map((e) => e.type)).toEqual(['created', 'dispatched', 'marked_stuck']);
    });
  });
});

/** fetch may not set Host; node:http may, as a page on a rebound name would send it. */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
