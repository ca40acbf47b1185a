import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../app/ports.js';
import type { Webhooks } from '../../app/webhooks-api.js';
import { A2A_PATH, registerA2A } from './a2a.js';
import type { MountContext } from './admin-app.js';
import { registerEventStreams, type StreamServices } from './event-stream.js';
import type { IdentityEnv } from './identity.js';
import type { ApiEnv } from './openapi-route.js';
import type { StreamHub } from './sse.js';
import type { Sessions } from './ui/sessions.js';
import { registerWebhookRoutes } from './webhook-routes.js';

export type ServiceRouteDeps = {
  /** Null while the database is still opening. */
  readonly services: () => (StreamServices & { readonly webhooks: Webhooks }) | null;
  /** The open event streams; the daemon closes it before the HTTP server. */
  readonly hub: StreamHub;
  readonly logger: Logger;
  /** Whether any token is configured (the agent card names the bearer scheme only then). */
  readonly authenticated: boolean;
  /** The dashboard's sessions: a session cookie authenticates the A2A endpoint as it does /v1 and /admin. */
  readonly sessions?: Sessions | undefined;
};

/**
 * The service's route groups beyond the ledger's own: the live event streams (under /v1,
 * authenticated by the app), the A2A face (its endpoint authenticated here, its card
 * public) and the operators' webhooks (under /admin: the app's admin role).
 */
export function mountServiceRoutes(context: MountContext, deps: ServiceRouteDeps): void {
  const app = context.app as unknown as Parameters<typeof registerEventStreams>[0];
  const session = deps.sessions?.middleware() as MiddlewareHandler<ApiEnv> | undefined;
  context.app.use(A2A_PATH, ...(session === undefined ? [] : [session]), context.authenticated);
  registerEventStreams(app, { services: deps.services, hub: deps.hub, logger: deps.logger });
  registerA2A(app, { services: deps.services, hub: deps.hub, logger: deps.logger, authenticated: deps.authenticated, bodyLimits: context.limits });
  registerWebhookRoutes(context.app as unknown as Parameters<typeof registerWebhookRoutes<IdentityEnv>>[0], {
    webhooks: () => deps.services()?.webhooks ?? null,
    bodyLimits: context.limits,
    security: [{ bearer: [] }],
  });
}
