import { z } from '@hono/zod-openapi';
import type { Registry } from 'prom-client';
import { listQuerySchema } from '../admin/list-query.js';
import { notFound, outcomeResponse } from './answers.js';
import { type AdminServicesLike, health } from './health.js';
import { json, NO_BODY, type RouteContext, serve } from './openapi-route.js';
import { delegationSchema, healthSchema, problemSchema, refusedSchema, statsSchema, transitionSchema, withHistorySchema } from './schemas.js';
import { cancelBodySchema } from './validation.js';

const ADMIN = ['admin'];
const listAnswer = z.object({ status: z.string(), limit: z.number().int(), count: z.number().int(), delegations: z.array(delegationSchema) });
const notFoundAnswer = json(problemSchema, 'no such delegation');

/** The probes and the operators' routes: health, metrics, counts, list, show, retry, cancel. */
export function adminRoutes(context: RouteContext, deps: { services: () => AdminServicesLike | null; registry: Registry }): void {
  serve(
    context,
    {
      method: 'get',
      path: '/healthz',
      summary: 'Health: 200 when the database answers',
      tags: ['probes'],
      secured: false,
      responses: { 200: json(healthSchema, 'healthy'), 503: json(healthSchema, 'starting, or the database does not answer') },
    },
    (c) => health(c, deps.services()),
  );
  serve(
    context,
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (admin)',
      tags: ['probes'],
      responses: { 200: { description: 'the Prometheus text format', content: { 'text/plain': { schema: z.string() } } } },
    },
    async (c) => c.text(await deps.registry.metrics(), 200, { 'Content-Type': deps.registry.contentType }),
  );
  serve(
    context,
    { method: 'get', path: '/admin/stats', summary: 'Counts per status', tags: ADMIN, responses: { 200: json(statsSchema, 'the counts') } },
    async (c) => c.json(await c.var.ledger.stats()),
  );
  serve(
    context,
    {
      method: 'get',
      path: '/admin/delegations',
      summary: 'List delegations, newest first',
      tags: ADMIN,
      query: listQuerySchema,
      responses: { 200: json(listAnswer, 'a page') },
    },
    async (c) => {
      const query = c.var.query;
      const delegations = await c.var.ledger.list(query);
      return c.json({ ...query, count: delegations.length, delegations });
    },
  );
  // Every segment after /admin/delegations/ is an id, `stats` included: the counts live at /admin/stats.
  serve(
    context,
    {
      method: 'get',
      path: '/admin/delegations/{id}',
      summary: 'A delegation with its history',
      tags: ADMIN,
      responses: { 200: json(withHistorySchema, 'found'), 404: notFoundAnswer },
    },
    async (c) => {
      const id = c.req.param('id') as string;
      const delegation = await c.var.ledger.get(id);
      if (delegation === null) return c.json(notFound(id), 404);
      return c.json({ delegation, history: await c.var.ledger.history(id) });
    },
  );
  serve(
    context,
    {
      method: 'post',
      path: '/admin/delegations/{id}/retry',
      summary: 'Retry a stuck or failed delegation: attempt n+1',
      tags: ADMIN,
      body: NO_BODY,
      responses: { 200: json(transitionSchema, 'requeued, or already'), 404: notFoundAnswer, 409: json(refusedSchema, 'refused by the transition table') },
    },
    async (c) => outcomeResponse(c, await c.var.ledger.retry(c.req.param('id') as string, { actor: 'operator' })),
  );
  serve(
    context,
    {
      method: 'post',
      path: '/admin/delegations/{id}/cancel',
      summary: 'Cancel a delegation in flight',
      tags: ADMIN,
      body: cancelBodySchema,
      responses: { 200: json(transitionSchema, 'cancelled, or already'), 404: notFoundAnswer, 409: json(refusedSchema, 'refused by the transition table') },
    },
    async (c) => outcomeResponse(c, await c.var.ledger.cancel(c.req.param('id') as string, { reason: c.var.body.reason, actor: 'operator' })),
  );
}
