import { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import type { Logger } from '../../app/ports.js';
import { A2A_PATH, registerA2A } from './a2a.js';
import { registerEventStreams, type StreamServices } from './event-stream.js';
import { authenticate, type IdentityEnv, type TokenTable, withAdminToken } from './identity.js';
import type { StreamHub } from './sse.js';

export type StreamsMount = {
  readonly services: () => StreamServices | null;
  readonly hub: StreamHub;
  readonly logger: Logger;
  /** The admin token of today's daemon (null: none, loopback only); the service API's token table replaces it. */
  readonly token: string | null;
  readonly table?: TokenTable | null | undefined;
};

/**
 * The event streams and the A2A face on the admin app, until the service API's app takes them:
 * every route behind authenticate() except the public agent card.
 */
export function mountStreams(app: { route(path: string, sub: Hono): unknown }, mount: StreamsMount): void {
  const table = withAdminToken(mount.table ?? null, mount.token);
  const streams = new OpenAPIHono<IdentityEnv>();
  streams.use('/v1/*', authenticate(table));
  streams.use(A2A_PATH, authenticate(table));
  registerEventStreams(streams, mount);
  registerA2A(streams, { ...mount, authenticated: table !== null });
  app.route('/', streams as unknown as Hono);
}
