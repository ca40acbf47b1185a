import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { DelegationsConfig } from '../../../app/config.js';
import type { Sweeper } from '../../../app/ledger-api.js';
import type { Clock, FeedProgress } from '../../../app/ports.js';
import { json, NO_BODY, type RouteContext, serve } from '../openapi-route.js';
import { problem } from '../problem.js';
import { problemSchema } from '../schemas.js';
import { SECURITY_HEADERS, type UiAsset, UiAssets } from './assets.js';
import { SESSION_COOKIE, type Sessions } from './sessions.js';
import type { SweepHistory } from './sweep-history.js';

/** What the dashboard reads besides the ledger's routes; null while the database is opening. */
export type UiServices = {
  readonly sweeper: Sweeper;
  readonly config: DelegationsConfig;
  readonly clock: Clock;
  readonly progress: () => Promise<FeedProgress>;
  /** The retention in force (the daemon's setting), null when off. */
  readonly retention?: (() => { readonly olderThanMs: number; readonly intervalMs: number } | null) | undefined;
};

export type UiDeps = {
  readonly sessions: Sessions;
  readonly services: () => UiServices | null;
  readonly history: SweepHistory;
  readonly assets?: UiAssets | undefined;
};

const loginBody = z.strictObject({ token: z.string().min(1).max(4096) }).openapi('Login');
const sessionAnswer = z
  .object({
    required: z.boolean().openapi({ description: 'false: no token is configured, the server is loopback-only and open' }),
    authenticated: z.boolean(),
    name: z.string().nullable(),
    csrf: z.string().nullable().openapi({ description: 'send in X-CSRF-Token with every state-changing request made with the session cookie' }),
    expiresAt: z.string().nullable(),
  })
  .openapi('Session');

const sweepSchema = z.object({
  at: z.string(),
  stuckMarked: z.number(),
  deadlineFailures: z.number(),
  requeued: z.number(),
  retriesExhausted: z.number(),
  errors: z.number(),
  scanned: z.number(),
  skipped: z
    .array(z.object({ delegationId: z.string(), error: z.string() }))
    .openapi({ description: 'rows the database refused to move; the next sweep tries them again' }),
});
const sweepsSchema = z.object({ windowMs: z.number(), sweeps: z.array(sweepSchema) }).openapi('Sweeps');
const settingsSchema = z
  .object({
    stuckThresholdMs: z.number(),
    sweepIntervalMs: z.number(),
    bootGraceMs: z.number(),
    outageGapMs: z.number(),
    defaultDeadlineMs: z.number(),
    retry: z.record(z.string(), z.number().nullable()).nullable(),
    retention: z.object({ olderThanMs: z.number(), intervalMs: z.number() }).nullable(),
  })
  .openapi('Settings');
const lagSchema = z
  .object({
    head: z.number(),
    subscriptions: z.array(z.object({ name: z.string(), position: z.number(), lag: z.number(), updatedAt: z.string().nullable() })),
  })
  .openapi('SubscriptionLag');

/**
 * The dashboard: its page and assets under /ui, its session routes under /ui/api, and the
 * admin reads it needs beside the ledger's routes. The admin reads sit under /admin, so the
 * app authenticates them (bearer token or session cookie) like every admin route; the
 * session routes and the page check the session themselves.
 */
export function registerUi(context: RouteContext, deps: UiDeps): void {
  const assets = deps.assets ?? new UiAssets();
  const { sessions } = deps;
  const { app } = context;

  serve(
    context,
    {
      method: 'get',
      path: '/ui/api/session',
      summary: 'The dashboard session of this browser, and its CSRF token',
      tags: ['dashboard'],
      secured: false,
      responses: { 200: json(sessionAnswer, 'the session (authenticated false when there is none)') },
    },
    async (c) => c.json(await describeSession(c, sessions), 200, { 'cache-control': 'no-store' }),
  );
  serve(
    context,
    {
      method: 'post',
      path: '/ui/api/login',
      summary: 'Exchange an admin token for a session cookie (HttpOnly, SameSite=Strict, signed, expiring)',
      tags: ['dashboard'],
      secured: false,
      body: loginBody,
      responses: {
        200: json(sessionAnswer, 'logged in; Set-Cookie carries the session'),
        401: json(problemSchema, 'not a configured token'),
        403: json(problemSchema, 'a valid token of another role: the dashboard is for operators'),
      },
    },
    async (c) => {
      const admitted = sessions.admit(c.var.body.token);
      if (admitted === 'unknown') return problem(401, { error: 'unauthorized', field: 'token', message: 'that token is not one configured' });
      if (admitted === 'not_admin')
        return problem(403, { error: 'forbidden', field: 'token', message: 'the dashboard needs an admin token; this one is a caller or agent token' });
      const { cookie, session } = await sessions.open(admitted);
      const answer = {
        required: sessions.required,
        authenticated: true,
        name: session.name,
        csrf: session.csrf,
        expiresAt: new Date(session.expiresAt).toISOString(),
      };
      return c.json(answer, 200, { 'set-cookie': sessions.setCookie(c, cookie), 'cache-control': 'no-store' });
    },
  );
  serve(
    context,
    {
      method: 'post',
      path: '/ui/api/logout',
      summary: 'End the session: the cookie is cleared',
      tags: ['dashboard'],
      secured: false,
      body: NO_BODY,
      responses: { 204: { description: 'logged out' } },
    },
    (c) => c.body(null, 204, { 'set-cookie': sessions.setCookie(c, null) }),
  );

  serve(
    context,
    {
      method: 'get',
      path: '/admin/settings',
      summary: 'The settings in force: threshold, interval, grace, retry policy, retention',
      tags: ['admin'],
      responses: { 200: json(settingsSchema, 'the settings') },
    },
    (c) => {
      const services = deps.services();
      if (services === null) return c.json(STARTING, 503, { 'retry-after': '1' });
      const { config } = services;
      return c.json({
        stuckThresholdMs: config.stuckThresholdMs,
        sweepIntervalMs: config.sweepIntervalMs,
        bootGraceMs: config.bootGraceMs,
        outageGapMs: config.outageGapMs,
        defaultDeadlineMs: config.defaultDeadlineMs,
        retry: config.retry === null ? null : { ...config.retry },
        retention: services.retention?.() ?? null,
      });
    },
  );
  serve(
    context,
    {
      method: 'get',
      path: '/admin/sweeps',
      summary: "This daemon's sweeps of the last hour, oldest first",
      tags: ['admin'],
      responses: { 200: json(sweepsSchema, 'the sweeps') },
    },
    async (c) => {
      const services = deps.services();
      if (services === null) return c.json(STARTING, 503, { 'retry-after': '1' });
      deps.history.observe(services.sweeper);
      const sweeps = deps.history.since(await services.clock.now()).map(({ at, result }) => ({ at: at.toISOString(), ...result }));
      return c.json({ windowMs: deps.history.window, sweeps });
    },
  );
  serve(
    context,
    {
      method: 'get',
      path: '/admin/subscriptions',
      summary: "Each subscription's checkpoint against the head of the log (webhooks are subscriptions too)",
      tags: ['admin'],
      responses: { 200: json(lagSchema, 'the lag') },
    },
    async (c) => {
      const services = deps.services();
      if (services === null) return c.json(STARTING, 503, { 'retry-after': '1' });
      const { head, subscriptions } = await services.progress();
      const rows = subscriptions.map((s) => ({
        name: s.name,
        position: s.position,
        lag: Math.max(0, head - s.position),
        updatedAt: s.updatedAt?.toISOString() ?? null,
      }));
      return c.json({ head, subscriptions: rows });
    },
  );

  // The page and its files are HTML and assets, not API: served beside the document, not in it.
  app.get('/ui/assets/:name', (c) => {
    const asset = assets.asset(c.req.param('name'));
    if (asset === null) return problem(404, { error: 'not_found', message: `no dashboard asset ${c.req.param('name')}` });
    return send(c, asset, 'public, max-age=31536000, immutable');
  });
  // Every other path under /ui is a page of the dashboard: the same document, which routes itself.
  const page = async (c: Context) => {
    const index = assets.index();
    if (index === null) return problem(503, { error: 'not_built', message: 'the dashboard is not built: run npm run build' });
    const loginPage = c.req.path === '/ui/login';
    if (!loginPage && sessions.required && (await sessions.read(getCookie(c, SESSION_COOKIE))) === null) {
      const here = new URL(c.req.url);
      return c.redirect(`/ui/login?next=${encodeURIComponent(here.pathname + here.search)}`, 302);
    }
    return send(c, index, 'no-store');
  };
  app.get('/ui', page);
  app.get('/ui/*', page);
}

async function describeSession(c: Context, sessions: Sessions) {
  if (!sessions.required) return { required: false, authenticated: true, name: 'loopback', csrf: null, expiresAt: null };
  const session = await sessions.read(getCookie(c, SESSION_COOKIE));
  if (session === null) return { required: true, authenticated: false, name: null, csrf: null, expiresAt: null };
  return { required: true, authenticated: true, name: session.name, csrf: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() };
}

function send(c: Context, asset: UiAsset, cacheControl: string): Response {
  return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { ...SECURITY_HEADERS, 'content-type': asset.type, 'cache-control': cacheControl });
}

const STARTING = { error: 'starting', message: 'the database is still opening; retry shortly' };
