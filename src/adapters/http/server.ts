import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener, RequestError } from '@hono/node-server';
import { problem } from './problem.js';

export type RunningServer = {
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and resolves once the requests in progress are answered. Idempotent. */
  close(): Promise<void>;
};

// Requests to this API are short; one still open after this is a stuck client.
const DRAIN_TIMEOUT_MS = 10_000;
// Backstops below the app's own body timeout: a client trickling headers, or a request Node is still receiving, is cut off.
const SERVER_OPTIONS = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000, requireHostHeader: false } as const;

export function listen(app: { fetch: (request: Request) => Response | Promise<Response> }, options: { port: number; host: string }): Promise<RunningServer> {
  // No default host name: a request without Host reaches the app's Host check as one, and gets its JSON answer there.
  const listener = getRequestListener(app.fetch, { errorHandler: unreadableRequest });
  const server = createServer(SERVER_OPTIONS, listener);
  server.on('clientError', answerClientError);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const info = server.address() as AddressInfo;
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      let closing: Promise<void> | undefined;
      resolve({ url: `http://${host}:${info.port}`, port: info.port, close: () => (closing ??= close(server)) });
    });
  });
}

/** The adapter could not turn the request into a Request (a Host it cannot read, a backslash in the path). */
async function unreadableRequest(error: unknown): Promise<Response> {
  const message = error instanceof Error ? error.message : 'unreadable request';
  if (error instanceof RequestError && /host/i.test(message))
    return problem(421, { error: 'misdirected_request', field: 'host', message: `${message}: send the address you reached this server at` });
  return problem(400, { error: 'bad_request', field: 'request', message: `the request cannot be read: ${message}` });
}

/** Node could not parse the request at all; by default it answers an empty 400. Ours says why, in JSON. */
function answerClientError(error: NodeJS.ErrnoException & { reason?: string }, socket: Duplex): void {
  const answered = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (error.code === 'ECONNRESET' || !socket.writable || answered) {
    socket.destroy();
    return;
  }
  const [status, text, kind] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'request_timeout']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'headers_too_large']
        : [400, 'Bad Request', 'bad_request'];
  const body = JSON.stringify({
    error: kind,
    field: 'request',
    message: `malformed or incomplete HTTP request: ${error.reason ?? error.code ?? 'unparseable'}`,
  });
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
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
