import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { methodNotAllowed } from 'hono/method-not-allowed';
import type { Registry } from 'prom-client';
import type { Ledger, Sweeper } from '../../app/ledger-api.js';
import type { Clock, Logger } from '../../app/ports.js';
import { InvalidInputError } from '../../domain/index.js';
import { adminRoutes } from './admin-routes.js';
import { databaseProblem, wrongMethod } from './answers.js';
import { requireValidToken } from './auth.js';
import { type BodyLimits, DEFAULT_BODY_LIMITS } from './body.js';
import { crossSiteGuard, hostGuard, pathEncodingGuard } from './guards.js';
import type { ServedHosts } from './hosts.js';
import { authenticate, requireRole, type TokenTable, withAdminToken } from './identity.js';
import { type ApiApp, type ApiEnv, json, type RouteContext, serve } from './openapi-route.js';
import { badRequest, problem } from './problem.js';
import { requestLog } from './request-log.js';
import { agentRoutes } from './v1-agent-routes.js';
import { callerRoutes } from './v1-caller-routes.js';

export type AdminServices = {
  readonly ledger: Ledger;
  readonly sweeper: Sweeper;
  /** Asked for the time on /healthz: with a database clock that is the reachability probe. */
  readonly clock: Clock;
};

export type AdminDeps = {
  /** Null while the database is still opening: /healthz says so and the API routes answer 503. */
  readonly services: () => AdminServices | null;
  readonly registry: Registry;
  readonly logger: Logger;
  /** The plain admin token (DELEGATIONS_ADMIN_TOKEN). With neither it nor `tokens`, no auth: the daemon then listens on loopback only. */
  readonly token: string | null;
  /** The hashed token table (DELEGATIONS_TOKENS or DELEGATIONS_TOKENS_FILE): admin, caller and agent tokens. */
  readonly tokens?: TokenTable | null | undefined;
  /** The addresses a Host header may name; read per request, since the port is known only once listening. */
  readonly served: () => ServedHosts;
  readonly bodyLimits?: BodyLimits | undefined;
  /**
   * More route groups (the event stream, webhooks, A2A), registered after the built-in ones
   * and before the first request. Routes under /v1/ and /admin/ get authentication, the
   * admin role (under /admin/) and the 503-while-opening check from the app; routes elsewhere
   * add `context.authenticated` / `context.ready` themselves.
   */
  readonly extraRoutes?: ((context: MountContext) => void) | undefined;
};

/** What a mounted route group receives: the app and limits (for `serve`), and the app's own checks to reuse. */
export type MountContext = RouteContext & {
  readonly services: () => AdminServices | null;
  /** Sets `principal` from the bearer token (401 otherwise); every request is the loopback admin when no token is configured. */
  readonly authenticated: MiddlewareHandler<ApiEnv>;
  /** 503 while the database opens; sets `ledger`. */
  readonly ready: MiddlewareHandler<ApiEnv>;
};

export const OPENAPI_INFO = { title: 'delegation-ledger service API', version: '1.0.0' } as const;

/** The service: /healthz, /metrics, the operators' /admin routes, the callers' and agents' /v1 routes, /openapi.json. */
export function createAdminApp(deps: AdminDeps): ApiApp {
  const app: ApiApp = new OpenAPIHono<ApiEnv>();
  // Outermost first: the log sees every answer; bad encodings, foreign hosts and cross-site writes stop before any route.
  app.use('*', requestLog(deps.logger), pathEncodingGuard(), hostGuard(deps.served), crossSiteGuard());
  app.use('*', methodNotAllowed({ app, onMethodNotAllowed: (c, allowed) => wrongMethod(c.req.method, c.req.path, allowed) }));
  const table = withAdminToken(deps.tokens ?? null, deps.token === null ? null : requireValidToken(deps.token));
  const authenticated = authenticate(table) as unknown as MiddlewareHandler<ApiEnv>;
  const ready: MiddlewareHandler<ApiEnv> = async (c, next) => {
    const services = deps.services();
    if (services === null) return c.json({ error: 'starting', message: 'the database is still opening; retry shortly' }, 503, { 'Retry-After': '1' });
    c.set('ledger', services.ledger);
    return next();
  };
  const adminOnly = requireRole('admin') as unknown as MiddlewareHandler<ApiEnv>;
  for (const path of ['/admin/*', '/metrics', '/v1/*']) app.use(path, authenticated);
  for (const path of ['/admin/*', '/metrics']) app.use(path, adminOnly);
  for (const path of ['/admin/*', '/v1/*']) app.use(path, ready);
  const context: MountContext = { app, limits: deps.bodyLimits ?? DEFAULT_BODY_LIMITS, services: deps.services, authenticated, ready };
  adminRoutes(context, { services: deps.services, registry: deps.registry });
  callerRoutes(context);
  agentRoutes(context);
  deps.extraRoutes?.(context);
  documentRoute(context);
  app.notFound((c) => problem(404, { error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }));
  app.onError((error, c) => {
    if (error instanceof InvalidInputError) return badRequest(error.field, error.problem);
    if (error instanceof HTTPException && error.status < 500) return problem(error.status, { error: 'bad_request', field: 'request', message: error.message });
    try {
      deps.logger.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
    } catch {
      // the answer below does not depend on the log
    }
    return databaseProblem(error) ?? problem(500, { error: 'internal', message: 'internal error (logged)' });
  });
  return app;
}

/** An alias that says what the app now is. */
export const createServiceApp = createAdminApp;

/** GET /openapi.json, public like /healthz: the document names routes and schemas, never a secret. */
function documentRoute(context: MountContext): void {
  const { app } = context;
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'an admin, caller or agent token (DELEGATIONS_TOKENS), or DELEGATIONS_ADMIN_TOKEN',
  });
  let document: unknown;
  serve(
    context,
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'This document (OpenAPI 3.1)',
      tags: ['probes'],
      secured: false,
      responses: { 200: json(z.record(z.string(), z.unknown()), 'the OpenAPI 3.1 document') },
    },
    (c) => {
      document ??= app.getOpenAPI31Document({ openapi: '3.1.0', info: OPENAPI_INFO, security: [{ bearer: [] }] });
      return c.json(document as Record<string, unknown>);
    },
  );
}
