import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { methodNotAllowed } from 'hono/method-not-allowed';
import type { Registry } from 'prom-client';
import type { Ledger, Sweeper, TransitionOutcome } from '../../app/ledger-api.js';
import type { Clock, Logger } from '../../app/ports.js';
import { assertNever, DatabaseError, InvalidInputError } from '../../domain/index.js';
import { listQuerySchema } from '../admin/list-query.js';
import { bearerAuth } from './auth.js';
import { type BodyLimits, DEFAULT_BODY_LIMITS, jsonBody } from './body.js';
import { crossSiteGuard, hostGuard, pathEncodingGuard } from './guards.js';
import { health } from './health.js';
import type { ServedHosts } from './hosts.js';
import { badRequest, problem } from './problem.js';
import { NO_QUERY, strictQuery } from './query.js';
import { requestLog } from './request-log.js';
import { cancelBodySchema, retryBodySchema } from './validation.js';

export type AdminServices = {
  readonly ledger: Ledger;
  readonly sweeper: Sweeper;
  /** Asked for the time on /healthz: with a database clock that is the reachability probe. */
  readonly clock: Clock;
};

export type AdminDeps = {
  /** Null while the database is still opening: /healthz says so and the admin routes answer 503. */
  readonly services: () => AdminServices | null;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Null: no auth (the server then listens on loopback only; see the daemon). */
  readonly token: string | null;
  /** The addresses a Host header may name; read per request, since the port is known only once listening. */
  readonly served: () => ServedHosts;
  readonly bodyLimits?: BodyLimits | undefined;
};

type AdminEnv = { Variables: { ledger: Ledger } };

/** The admin API: read delegations, retry or cancel one, health and metrics. */
export function createAdminApp(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  // Outermost first: the log sees every answer; bad encodings, foreign hosts and cross-site writes stop before any route.
  app.use('*', requestLog(deps.logger), pathEncodingGuard(), hostGuard(deps.served), crossSiteGuard());
  app.use('*', methodNotAllowed({ app, onMethodNotAllowed: (c, allowed) => wrongMethod(c.req.method, c.req.path, allowed) }));
  if (deps.token !== null) {
    const auth = bearerAuth(deps.token);
    app.use('/admin/*', auth);
    app.use('/metrics', auth);
  }
  app.use('/admin/*', async (c, next) => {
    const services = deps.services();
    if (services === null) return c.json({ error: 'starting', message: 'the database is still opening; retry shortly' }, 503, { 'Retry-After': '1' });
    c.set('ledger', services.ledger);
    return next();
  });
  routes(app, deps);
  app.notFound((c) => problem(404, { error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }));
  app.onError((error, c) => {
    if (error instanceof InvalidInputError) return badRequest(error.field, error.problem);
    if (error instanceof HTTPException && error.status < 500) return problem(error.status, { error: 'bad_request', field: 'request', message: error.message });
    try {
      deps.logger.error({ err: error, method: c.req.method, path: c.req.path }, 'admin request failed');
    } catch {
      // the answer below does not depend on the log
    }
    return databaseProblem(error) ?? problem(500, { error: 'internal', message: 'internal error (logged)' });
  });
  return app;
}

/** A database that is down or slow is the server's passing state, not a bug: 503 with a retry hint; a lost race 409. */
function databaseProblem(error: unknown): Response | null {
  if (!(error instanceof DatabaseError)) return null;
  if (error.kind === 'conflict') return problem(409, { error: 'conflict', message: 'a concurrent change won; retry', code: error.sqlState });
  if (error.kind === 'rejected') return null;
  return problem(
    503,
    { error: `database_${error.kind}`, message: `the database is ${error.kind === 'timeout' ? 'not answering in time' : 'unavailable'}; retry shortly` },
    { headers: { 'Retry-After': '5' } },
  );
}

function routes(app: Hono<AdminEnv>, deps: AdminDeps): void {
  const noQuery = strictQuery(NO_QUERY);
  const limits = deps.bodyLimits ?? DEFAULT_BODY_LIMITS;
  app.get('/healthz', noQuery, (c) => health(c, deps.services()));
  app.get('/metrics', noQuery, async (c) => c.text(await deps.registry.metrics(), 200, { 'Content-Type': deps.registry.contentType }));
  app.get('/admin/stats', noQuery, async (c) => c.json(await c.var.ledger.stats()));
  app.get('/admin/delegations', strictQuery(listQuerySchema), async (c) => {
    const query = c.var.query;
    const delegations = await c.var.ledger.list(query);
    return c.json({ ...query, count: delegations.length, delegations });
  });
  // Every segment after /admin/delegations/ is an id, `stats` included: the counts live at /admin/stats.
  app.get('/admin/delegations/:id', noQuery, async (c) => {
    const id = c.req.param('id');
    const delegation = await c.var.ledger.get(id);
    if (delegation === null) return c.json(notFound(id), 404);
    return c.json({ delegation, history: await c.var.ledger.history(id) });
  });
  app.post('/admin/delegations/:id/retry', noQuery, jsonBody(retryBodySchema, limits), async (c) =>
    outcomeResponse(c, await c.var.ledger.retry(c.req.param('id'), { actor: 'operator' })),
  );
  app.post('/admin/delegations/:id/cancel', noQuery, jsonBody(cancelBodySchema, limits), async (c) => {
    const { reason } = c.var.body;
    return outcomeResponse(c, await c.var.ledger.cancel(c.req.param('id'), { reason, actor: 'operator' }));
  });
}

function wrongMethod(method: string, path: string, allowed: readonly string[]): Response {
  const message = `${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`;
  return problem(405, { error: 'method_not_allowed', message, allowed }, { headers: { allow: allowed.join(', ') } });
}

function outcomeResponse(c: Context, outcome: TransitionOutcome): Response {
  switch (outcome.outcome) {
    case 'applied':
    case 'unchanged':
      return c.json(outcome, 200);
    case 'refused':
      return c.json({ error: 'refused', reason: outcome.reason, message: outcome.message, delegation: outcome.delegation }, 409);
    case 'not_found':
      return c.json(notFound(outcome.delegationId), 404);
    default:
      return assertNever(outcome);
  }
}

function notFound(delegationId: string) {
  const body = { error: 'not_found', message: `delegation ${delegationId} not found`, delegationId };
  // The counts used to be served at this path; a client that still asks for them is told where they went.
  return delegationId === 'stats' ? { ...body, hint: 'the counts per status are at GET /admin/stats' } : body;
}
