import { zValidator } from '@hono/zod-validator';
import { Hono, type Context } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { HTTPException } from 'hono/http-exception';
import type { Registry } from 'prom-client';
import type { Ledger, Sweeper, TransitionOutcome } from '../../app/ledger-api.js';
import type { Clock, Logger } from '../../app/ports.js';
import { assertNever, InvalidInputError } from '../../domain/index.js';
import { listQuerySchema } from '../admin/list-query.js';
import { health } from './health.js';
import { requestLog } from './request-log.js';
import { badRequest, cancelBodySchema, validationHook } from './validation.js';

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
};

type AdminEnv = { Variables: { ledger: Ledger } };

/** The admin API: read delegations, retry or cancel one, health and metrics. */
export function createAdminApp(deps: AdminDeps): Hono<AdminEnv> {
  const { logger } = deps;
  const app = new Hono<AdminEnv>();
  app.use('*', requestLog(logger));
  app.get('/healthz', (c) => health(c, deps.services()));
  if (deps.token !== null) {
    const unauthorized = { error: 'unauthorized', message: 'send Authorization: Bearer <DELEGATIONS_ADMIN_TOKEN>' };
    const auth = bearerAuth({ token: deps.token, noAuthenticationHeader: { message: unauthorized }, invalidToken: { message: unauthorized } });
    app.use('/admin/*', auth);
    app.use('/metrics', auth);
  }
  app.get('/metrics', async (c) => c.text(await deps.registry.metrics(), 200, { 'Content-Type': deps.registry.contentType }));
  app.use('/admin/*', async (c, next) => {
    const services = deps.services();
    if (services === null) return c.json({ error: 'starting', message: 'the database is still opening; retry shortly' }, 503, { 'Retry-After': '1' });
    c.set('ledger', services.ledger);
    return next();
  });

  app.get('/admin/delegations', zValidator('query', listQuerySchema, validationHook), async (c) => {
    const query = c.req.valid('query');
    const delegations = await c.var.ledger.list(query);
    return c.json({ ...query, count: delegations.length, delegations });
  });
  app.get('/admin/delegations/stats', async (c) => c.json(await c.var.ledger.stats()));
  app.get('/admin/delegations/:id', async (c) => {
    const id = c.req.param('id');
    const delegation = await c.var.ledger.get(id);
    if (delegation === null) return c.json(notFound(id), 404);
    return c.json({ delegation, history: await c.var.ledger.history(id) });
  });
  app.post('/admin/delegations/:id/retry', async (c) => outcomeResponse(c, await c.var.ledger.retry(c.req.param('id'), { actor: 'operator' })));
  app.post('/admin/delegations/:id/cancel', zValidator('json', cancelBodySchema, validationHook), async (c) => {
    const { reason } = c.req.valid('json');
    return outcomeResponse(c, await c.var.ledger.cancel(c.req.param('id'), { reason, actor: 'operator' }));
  });

  app.notFound((c) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    if (error instanceof InvalidInputError) return c.json(badRequest(error.field, error.problem), 400);
    if (error instanceof HTTPException) {
      if (error.status === 401) return error.getResponse();
      return c.json({ error: 'bad_request', field: 'body', message: error.message }, error.status);
    }
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'admin request failed');
    return c.json({ error: 'internal', message: 'internal error (logged)' }, 500);
  });
  return app;
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
  return { error: 'not_found', message: `delegation ${delegationId} not found`, delegationId };
}
