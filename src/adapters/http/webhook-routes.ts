import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Webhooks } from '../../app/webhooks-api.js';
import { InvalidInputError } from '../../domain/index.js';
import { firstIssue } from '../admin/list-query.js';
import { type BodyLimits, DEFAULT_BODY_LIMITS } from './body.js';
import { type IdentityEnv, requireRole } from './identity.js';
import {
  DeletedSchema,
  DeliveriesQuery,
  DeliveryPageSchema,
  deliveryView,
  IdParams,
  NoBody,
  NoQuery,
  ProblemSchema,
  RegisteredWebhookSchema,
  RegisterWebhookBody,
  WebhookEnvelope,
  WebhookList,
  webhookView,
} from './webhook-schemas.js';

export type WebhookRouteOptions = {
  /** Null while the database is still opening: the routes answer 503. */
  readonly webhooks: () => Webhooks | null;
  readonly bodyLimits?: BodyLimits | undefined;
  /** The OpenAPI security requirement of these routes (the name the app registered its bearer scheme under). */
  readonly security?: Record<string, string[]>[] | undefined;
};

type Env = { Variables: IdentityEnv['Variables'] & { webhooks: Webhooks } };

const json = <S extends z.ZodType>(schema: S, description: string) => ({ content: { 'application/json': { schema } }, description });
const problems = {
  400: json(ProblemSchema, 'A field is wrong; `field` names it. Nothing was written'),
  401: json(ProblemSchema, 'No valid token'),
  403: json(ProblemSchema, 'Not an admin token'),
  503: json(ProblemSchema, 'The database is still opening or unreachable'),
};
const notFound = { 404: json(ProblemSchema, 'No such webhook endpoint') };

/**
 * The operators' webhook routes under /admin/webhooks, admin tokens only. The app must
 * run authenticate() (identity.ts) before them and map HTTPException to a problem answer.
 */
export function registerWebhookRoutes<E extends IdentityEnv>(app: OpenAPIHono<E>, options: WebhookRouteOptions): void {
  const routes = app as unknown as OpenAPIHono<Env>;
  const limits = options.bodyLimits ?? DEFAULT_BODY_LIMITS;
  const guard: MiddlewareHandler<Env>[] = [requireRole('admin') as unknown as MiddlewareHandler<Env>, available(options.webhooks)];
  const common = { tags: ['webhooks'], ...(options.security === undefined ? {} : { security: options.security }), middleware: guard };

  const register = createRoute({
    ...common,
    method: 'post',
    path: '/admin/webhooks',
    summary: 'Register a webhook endpoint',
    middleware: [...guard, limitBody(limits)],
    request: { query: NoQuery, body: { required: true, ...json(RegisterWebhookBody, 'The endpoint') } },
    responses: { 201: json(RegisteredWebhookSchema, 'Registered; the secret is shown here only'), ...problems },
  });
  routes.openapi(
    register,
    (c) =>
      refusing(c, async () => {
        const answer = await c.var.webhooks.register(c.req.valid('json'));
        return c.json({ webhook: webhookView(answer.endpoint), secret: answer.secret }, 201);
      }),
    refuseInvalid,
  );

  const list = createRoute({
    ...common,
    method: 'get',
    path: '/admin/webhooks',
    summary: 'List webhook endpoints (never their secrets)',
    request: { query: NoQuery },
    responses: { 200: json(WebhookList, 'Every endpoint, oldest first'), ...problems },
  });
  routes.openapi(list, async (c) => c.json({ webhooks: (await c.var.webhooks.list()).map(webhookView) }, 200), refuseInvalid);

  const show = createRoute({
    ...common,
    method: 'get',
    path: '/admin/webhooks/{id}',
    summary: 'One webhook endpoint',
    request: { params: IdParams, query: NoQuery },
    responses: { 200: json(WebhookEnvelope, 'The endpoint'), ...problems, ...notFound },
  });
  routes.openapi(
    show,
    (c) =>
      refusing(c, async () => {
        const { id } = c.req.valid('param');
        const endpoint = await c.var.webhooks.get(id);
        return endpoint === null ? c.json(missing(id), 404) : c.json({ webhook: webhookView(endpoint) }, 200);
      }),
    refuseInvalid,
  );

  const remove = createRoute({
    ...common,
    method: 'delete',
    path: '/admin/webhooks/{id}',
    summary: 'Stop delivering to an endpoint and forget it (and its delivery log)',
    request: { params: IdParams, query: NoQuery },
    responses: { 200: json(DeletedSchema, 'Removed'), ...problems, ...notFound },
  });
  routes.openapi(
    remove,
    (c) =>
      refusing(c, async () => {
        const { id } = c.req.valid('param');
        return (await c.var.webhooks.remove(id)) ? c.json({ deleted: id }, 200) : c.json(missing(id), 404);
      }),
    refuseInvalid,
  );

  const resume = createRoute({
    ...common,
    method: 'post',
    path: '/admin/webhooks/{id}/resume',
    summary: 'Resume a paused endpoint from its checkpoint (nothing is skipped)',
    request: { params: IdParams, query: NoQuery, body: { required: false, ...json(NoBody, 'No body, or {}') } },
    responses: { 200: json(WebhookEnvelope, 'Active again'), ...problems, ...notFound },
  });
  routes.openapi(
    resume,
    (c) =>
      refusing(c, async () => {
        const { id } = c.req.valid('param');
        const endpoint = await c.var.webhooks.resume(id);
        return endpoint === null ? c.json(missing(id), 404) : c.json({ webhook: webhookView(endpoint) }, 200);
      }),
    refuseInvalid,
  );

  const deliveries = createRoute({
    ...common,
    method: 'get',
    path: '/admin/webhooks/{id}/deliveries',
    summary: "An endpoint's delivery log, newest first",
    request: { params: IdParams, query: DeliveriesQuery },
    responses: { 200: json(DeliveryPageSchema, 'One page of attempts'), ...problems, ...notFound },
  });
  routes.openapi(
    deliveries,
    (c) =>
      refusing(c, async () => {
        const { id } = c.req.valid('param');
        const { limit, cursor } = c.req.valid('query');
        const page = await c.var.webhooks.deliveries(id, { limit: limit === undefined ? undefined : Number(limit), cursor });
        if (page === null) return c.json(missing(id), 404);
        return c.json({ deliveries: page.deliveries.map(deliveryView), nextCursor: page.nextCursor }, 200);
      }),
    refuseInvalid,
  );
}

/** A schema refusal as the API's problem answer, naming the field (the unknown one, for a strict object). */
function refuseInvalid(result: { success: boolean; error?: z.ZodError }, c: Context) {
  if (result.success || result.error === undefined) return undefined;
  const { field, message } = firstIssue(result.error);
  return c.json({ error: 'bad_request', field: field === 'request' ? 'body' : field, message }, 400);
}

function available(webhooks: () => Webhooks | null): MiddlewareHandler<Env> {
  return async (c, next) => {
    const service = webhooks();
    if (service === null) return c.json({ error: 'starting', message: 'the database is still opening; retry shortly' }, 503, { 'Retry-After': '1' });
    c.set('webhooks', service);
    return next();
  };
}

/** Service-level refusals (a URL with credentials, a bad cursor) as 400s naming the field, whatever the app's error handler does. */
async function refusing<R>(c: Context, call: () => Promise<R>) {
  try {
    return await call();
  } catch (error) {
    if (error instanceof InvalidInputError) return c.json({ error: 'bad_request', field: error.field, message: error.problem }, 400);
    throw error;
  }
}

function limitBody(limits: BodyLimits): MiddlewareHandler {
  return bodyLimit({
    maxSize: limits.maxBytes,
    onError: (c) =>
      c.json({ error: 'payload_too_large', field: 'body', message: `the body is over ${limits.maxBytes} bytes`, limit: limits.maxBytes }, 413, {
        connection: 'close',
      }),
  });
}

function missing(id: string) {
  return { error: 'not_found', message: `no webhook endpoint ${id}`, field: 'id' };
}
