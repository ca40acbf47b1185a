import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdminApp } from '../../src/adapters/http/admin-app.js';
import { servedHosts } from '../../src/adapters/http/hosts.js';
import { hashToken, type TokenTable, tokenTable } from '../../src/adapters/http/identity.js';
import { UiAssets } from '../../src/adapters/http/ui/assets.js';
import { SESSION_COOKIE, Sessions } from '../../src/adapters/http/ui/sessions.js';
import { SweepHistory } from '../../src/adapters/http/ui/sweep-history.js';
import { registerUi } from '../../src/adapters/http/ui/ui-routes.js';
import { openDelegations } from '../../src/delegations.js';
import { silentLogger } from '../../src/index.js';
import { VirtualClock } from '../../src/memory.js';
import type { WiredDelegations } from '../../src/wiring.js';
import { PORT, send } from './support/admin.js';

const ADMIN = 'ops-admin-token';
const CALLER = 'planner-caller-token';
const TABLE = tokenTable([
  { role: 'admin', name: 'ops', sha256: hashToken(ADMIN) },
  { role: 'caller', name: 'planner', callerId: 'planner', sha256: hashToken(CALLER) },
]);
const HOUR = 60 * 60_000;

type Dashboard = { app: ReturnType<typeof createAdminApp>; delegations: WiredDelegations; clock: VirtualClock; sessions: Sessions };
const open: WiredDelegations[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function dashboard(table: TokenTable | null = TABLE, assets?: UiAssets): Promise<Dashboard> {
  const clock = new VirtualClock(new Date('2026-12-01T09:00:00Z'));
  const delegations = await openDelegations({ store: 'memory', logger: silentLogger, clock });
  open.push(delegations);
  const sessions = new Sessions({ table, clock });
  const history = new SweepHistory();
  const { ledger, sweeper } = delegations;
  const app = createAdminApp({
    services: () => ({ ledger, sweeper, clock }),
    registry: new Registry(),
    logger: silentLogger,
    token: null,
    tokens: table,
    served: () => servedHosts('127.0.0.1', PORT),
    sessions,
    extraRoutes: (context) =>
      registerUi(context, {
        sessions,
        history,
        assets,
        services: () => ({ sweeper, config: delegations.config, clock, progress: () => delegations.feed.progress() }),
      }),
  });
  return { app, delegations, clock, sessions };
}

async function login(app: Dashboard['app'], token = ADMIN) {
  return send(app, '/ui/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
}

function cookieOf(setCookie: string | null): string {
  const value = /dl_session=([^;]*)/.exec(setCookie ?? '')?.[1];
  if (value === undefined || value === '') throw new Error(`no session cookie in ${setCookie}`);
  return `${SESSION_COOKIE}=${value}`;
}

describe('dashboard sessions', () => {
  it('exchanges an admin token for a signed HttpOnly, SameSite=Strict cookie with an expiry, and refuses other tokens', async () => {
    const { app } = await dashboard();
    const wrong = await login(app, 'no-such-token');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const caller = await login(app, CALLER);
    expect(caller.status).toBe(403);
    expect(caller.body).toMatchObject({ error: 'forbidden', field: 'token' });
    expect(caller.headers.get('set-cookie')).toBeNull();

    const ok = await login(app);
    expect(ok.status).toBe(200);
    const setCookie = ok.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Max-Age=28800/);
    expect(setCookie).toMatch(/Path=\//);
    // The token itself never reaches the browser's storage.
    expect(setCookie).not.toContain(ADMIN);
    expect(ok.body).toMatchObject({ authenticated: true, name: 'ops', csrf: expect.any(String) });
  });

  it('lets the cookie read, and write only with the session CSRF token; nothing is written without it', async () => {
    const { app, delegations } = await dashboard();
    await delegations.ledger.create({ delegationId: 'c-1', callerId: 'planner', calleeId: 'agent', task: 'x' });
    const ok = await login(app);
    const cookie = cookieOf(ok.headers.get('set-cookie'));
    const csrf = String(ok.body?.csrf);
    expect((await send(app, '/admin/stats', { headers: { cookie } })).status).toBe(200);
    expect((await send(app, '/admin/stats')).status).toBe(401);

    const post = (headers: Record<string, string>) =>
      send(app, '/admin/delegations/c-1/cancel', { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: '{}' });
    const missing = await post({});
    expect(missing.status).toBe(403);
    expect(missing.body).toMatchObject({ field: 'x-csrf-token' });
    expect((await post({ 'x-csrf-token': `${csrf}x` })).status).toBe(403);
    expect((await delegations.ledger.get('c-1'))?.status).toBe('queued');
    const done = await post({ 'x-csrf-token': csrf });
    expect(done.status).toBe(200);
    expect((await delegations.ledger.get('c-1'))?.status).toBe('cancelled');
  });

  it('refuses a forged, garbled or expired cookie as no credential at all', async () => {
    const { app, clock } = await dashboard();
    const cookie = cookieOf((await login(app)).headers.get('set-cookie'));
    const [payload, signature] = cookie.slice(SESSION_COOKIE.length + 1).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, expiresAt: Number(claims.expiresAt) + 10 * HOUR })).toString('base64url');
    for (const bad of [
      `${SESSION_COOKIE}=${forged}.${signature}`,
      `${SESSION_COOKIE}=${payload}`,
      `${SESSION_COOKIE}=garbage.garbage`,
      `${SESSION_COOKIE}=${payload}.${signature}.x`,
    ]) {
      expect((await send(app, '/admin/stats', { headers: { cookie: bad } })).status, bad).toBe(401);
    }
    expect((await send(app, '/admin/stats', { headers: { cookie } })).status).toBe(200);
    clock.advance(8 * HOUR + 1);
    expect((await send(app, '/admin/stats', { headers: { cookie } })).status).toBe(401);
    expect((await send(app, '/ui/api/session', { headers: { cookie } })).body).toMatchObject({ authenticated: false });
  });

  it('ignores the cookie when a bearer token is sent: the token decides', async () => {
    const { app } = await dashboard();
    const cookie = cookieOf((await login(app)).headers.get('set-cookie'));
    const answer = await send(app, '/admin/stats', { headers: { cookie, authorization: `Bearer ${CALLER}` } });
    expect(answer.status).toBe(403);
  });

  it('clears the cookie on logout', async () => {
    const { app } = await dashboard();
    const out = await send(app, '/ui/api/logout', { method: 'POST' });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/dl_session=; .*Max-Age=0/);
  });

  it('refuses a cross-site login form', async () => {
    const { app } = await dashboard();
    const answer = await send(app, '/ui/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body: JSON.stringify({ token: ADMIN }),
    });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('set-cookie')).toBeNull();
  });
});

describe('dashboard pages and assets', () => {
  it('sends a page load without a session to the login, and serves the page with a strict CSP once logged in', async () => {
    const { app } = await dashboard();
    const away = await send(app, '/ui/delegations/d-1?tab=history', { redirect: 'manual' });
    expect(away.status).toBe(302);
    expect(away.headers.get('location')).toBe(`/ui/login?next=${encodeURIComponent('/ui/delegations/d-1?tab=history')}`);
    expect((await send(app, '/ui/login')).status).toBe(200);

    const cookie = cookieOf((await login(app)).headers.get('set-cookie'));
    const page = await send(app, '/ui', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    // Every script and stylesheet is a file of this origin: nothing inline, nothing from another host.
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    const script = /src="\/ui\/assets\/([^"]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const asset = await send(app, `/ui/assets/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('serves no file outside the assets folder, whatever the path says', async () => {
    const { app } = await dashboard();
    for (const path of ['/ui/assets/..%2f..%2fpackage.json', '/ui/assets/.hidden', '/ui/assets/index.html', '/ui/assets/none.js', '/ui/assets/%2e%2e']) {
      const answer = await send(app, path);
      // %2e%2e is normalized to /ui/ by the URL parser: the login redirect, not a file.
      expect([302, 400, 404], path).toContain(answer.status);
      expect(answer.text).not.toContain('"name": "delegation-ledger"');
    }
  });

  it('opens directly, with no login, when no token is configured (the server is then loopback-only)', async () => {
    const { app } = await dashboard(null);
    expect((await send(app, '/ui')).status).toBe(200);
    expect((await send(app, '/ui/api/session')).body).toMatchObject({ required: false, authenticated: true });
  });

  it('says the dashboard is not built rather than serving nothing', async () => {
    const { app } = await dashboard(null, new UiAssets('/nonexistent-ui-dir/'));
    const answer = await send(app, '/ui');
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: 'not_built' });
  });
});

describe("the dashboard's admin reads", () => {
  it('reports the settings in force, this daemon sweeps of the last hour, and each subscription lag', async () => {
    const { app, delegations, clock } = await dashboard(null);
    const settings = await send(app, '/admin/settings');
    expect(settings.body).toEqual({
      stuckThresholdMs: delegations.config.stuckThresholdMs,
      sweepIntervalMs: delegations.config.sweepIntervalMs,
      bootGraceMs: delegations.config.bootGraceMs,
      outageGapMs: delegations.config.outageGapMs,
      defaultDeadlineMs: delegations.config.defaultDeadlineMs,
      retry: null,
      retention: null,
    });

    const { ledger, sweeper } = delegations;
    await ledger.create({ delegationId: 'late', callerId: 'planner', calleeId: 'agent', task: 'x', deadline: new Date(clock.now().getTime() + 1000) });
    clock.advance(2000);
    await sweeper.sweep();
    const sweeps = await send(app, '/admin/sweeps');
    expect(sweeps.body).toMatchObject({ windowMs: HOUR, sweeps: [{ deadlineFailures: 1, stuckMarked: 0, at: clock.now().toISOString() }] });
    clock.advance(HOUR + 1);
    expect((await send(app, '/admin/sweeps')).body).toMatchObject({ sweeps: [] });

    const seen: number[] = [];
    const sub = delegations.subscriptions.subscribe({ name: 'audit', handler: (events) => void seen.push(...events.map((e) => e.position)) });
    await sub.caughtUp();
    await sub.stop();
    await ledger.create({ delegationId: 'later', callerId: 'planner', calleeId: 'agent', task: 'y' });
    const lag = await send(app, '/admin/subscriptions');
    expect(lag.body).toEqual({ head: 3, subscriptions: [{ name: 'audit', position: 2, lag: 1, updatedAt: null }] });
    expect(seen).toEqual([1, 2]);
  });

  it('keeps the admin reads behind the admin role', async () => {
    const { app } = await dashboard();
    for (const path of ['/admin/settings', '/admin/sweeps', '/admin/subscriptions']) {
      expect((await send(app, path)).status, path).toBe(401);
      expect((await send(app, path, { headers: { authorization: `Bearer ${CALLER}` } })).status, path).toBe(403);
      expect((await send(app, path, { headers: { authorization: `Bearer ${ADMIN}` } })).status, path).toBe(200);
    }
  });
});
