import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';

export type RunningServer = {
  readonly url: string;
  /** Stops accepting connections and resolves once the requests in progress are answered. Idempotent. */
  close(): Promise<void>;
};

// Requests to this API are short; one still open after this is a stuck client.
const DRAIN_TIMEOUT_MS = 10_000;

export function listen(app: { fetch: (request: Request) => Response | Promise<Response> }, options: { port: number; host: string }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, (info: AddressInfo) => {
      server.off('error', reject);
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      let closing: Promise<void> | undefined;
      resolve({ url: `http://${host}:${info.port}`, close: () => (closing ??= close(server as Server)) });
    });
    server.once('error', reject);
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    // Keep-alive sockets with no request in flight would otherwise hold close() open.
    server.closeIdleConnections();
  });
}
