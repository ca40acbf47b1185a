import { createRoute, type OpenAPIHono, type RouteConfig, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { Ledger } from '../../app/ledger-api.js';
import { type BodyLimits, jsonBody } from './body.js';
import type { IdentityEnv, Principal } from './identity.js';
import { NO_QUERY, strictQuery } from './query.js';
import { problemSchema } from './schemas.js';

/** What every route's handler may read: the ledger (once the database is open) and who is asking. */
export type ApiVariables = { ledger: Ledger; principal: Principal };
export type ApiEnv = { Variables: ApiVariables };
export type ApiApp = OpenAPIHono<ApiEnv>;

/** A route as it is documented and served: the schemas below validate the request and describe it in /openapi.json. */
export type RouteSpec<Q extends z.ZodObject, B extends z.ZodType> = {
  readonly method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  /** OpenAPI style: `/v1/delegations/{id}`. */
  readonly path: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly description?: string;
  readonly query?: Q;
  readonly body?: B;
  /** Request headers the route reads, documented only (the handler checks them). */
  readonly headers?: z.ZodObject;
  readonly responses: RouteConfig['responses'];
  /** False for the routes anyone may call (/healthz, /openapi.json). */
  readonly secured?: boolean;
  /** Runs after validation, before the handler (role checks). */
  readonly guard?: readonly MiddlewareHandler<IdentityEnv>[];
};

export type Handler<Q extends z.ZodObject, B extends z.ZodType> = (
  c: Context<{ Variables: ApiVariables & { query: z.output<Q>; body: z.output<B> } }>,
) => Response | Promise<Response>;

/** The context every route group registers on: the app, and the body limits its JSON bodies are read under. */
export type RouteContext = { readonly app: ApiApp; readonly limits: BodyLimits };

/**
 * Registers a route on the app and in its OpenAPI registry from one spec: the query and body
 * schemas of the document are the ones the strict query and body readers check, so the
 * document cannot drift from what the server accepts.
 */
export function serve<Q extends z.ZodObject = typeof NO_QUERY, B extends z.ZodType = typeof NO_BODY>(
  { app, limits }: RouteContext,
  spec: RouteSpec<Q, B>,
  handler: Handler<Q, B>,
): void {
  const query = spec.query ?? NO_QUERY;
  const params = pathParameters(spec.path);
  app.openAPIRegistry.registerPath(
    createRoute({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      tags: [...spec.tags],
      ...(spec.description === undefined ? {} : { description: spec.description }),
      ...(spec.secured === false ? { security: [] } : {}),
      request: {
        ...(Object.keys(query.shape).length === 0 ? {} : { query }),
        ...(params === null ? {} : { params }),
        ...(spec.headers === undefined ? {} : { headers: spec.headers }),
        ...(spec.body === undefined ? {} : { body: { content: { 'application/json': { schema: spec.body } }, required: false } }),
      },
      responses: answers(spec),
    }),
  );
  const middleware: MiddlewareHandler[] = [strictQuery(query) as MiddlewareHandler];
  if (spec.body !== undefined) middleware.push(jsonBody(spec.body, limits) as MiddlewareHandler);
  middleware.push(...((spec.guard ?? []) as MiddlewareHandler[]));
  const path = spec.path.replaceAll(/\{([^}]+)\}/g, ':$1');
  (app as unknown as { on: (method: string, path: string, ...handlers: unknown[]) => void }).on(spec.method.toUpperCase(), path, ...middleware, handler);
}

/** A POST that takes no fields: an empty object, or no body at all. */
export const NO_BODY = z.strictObject({});

function pathParameters(path: string): z.ZodObject | null {
  const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
  if (names.length === 0) return null;
  return z.object(Object.fromEntries(names.map((name) => [name, z.string().openapi({ description: 'the delegation id, percent-encoded' })])));
}

/** A JSON answer of the document. */
export function json(schema: z.ZodType, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

const problem = (description: string) => json(problemSchema, description);

/** The route's own answers, and the refusals the app gives on it. */
function answers(spec: RouteSpec<z.ZodObject, z.ZodType>): RouteConfig['responses'] {
  const secured = spec.secured !== false;
  return {
    ...spec.responses,
    400: problem('a query field, body field or path segment is wrong; `field` names it'),
    ...(secured ? { 401: problem('no credential, or not a valid one'), 403: problem('a valid credential without the right to this') } : {}),
    405: problem('the path exists with other methods; Allow lists them'),
    ...(spec.body === undefined ? {} : { 413: problem('the body is over the size limit'), 415: problem('a body that is not application/json (UTF-8)') }),
    ...(secured ? { 503: problem('the database is opening, down or not answering in time; retry after Retry-After') } : {}),
  };
}
