import { OpenAPIHono } from '@hono/zod-openapi';
import { silentLogger } from '../../../src/adapters/logging/pino-logger.js';
import { readSse, type SseItem } from '../../../src/adapters/cli/sse-reader.js';
import { registerA2A } from '../../../src/adapters/http/a2a.js';
import { registerEventStreams } from '../../../src/adapters/http/event-stream.js';
import { authenticate, hashToken, type IdentityEnv, tokenTable } from '../../../src/adapters/http/identity.js';
import { listen } from '../../../src/adapters/http/server.js';
import { StreamHub, type StreamSettings } from '../../../src/adapters/http/sse.js';
import type { StoredEvent } from '../../../src/domain/index.js';
import type { WiredDelegations } from '../../../src/wiring.js';

export const TOKENS = { admin: 'admin-token', caller1: 'caller-one-token', caller2: 'caller-two-token', agent1: 'agent-one-token' } as const;

export const TABLE = tokenTable([
  { role: 'admin', name: 'ops', sha256: hashToken(TOKENS.admin) },
  { role: 'caller', name: 'caller one', sha256: hashToken(TOKENS.caller1), callerId: 'caller-1' },
  { role: 'caller', name: 'caller two', sha256: hashToken(TOKENS.caller2), callerId: 'caller-2' },
  { role: 'agent', name: 'agent one', sha256: hashToken(TOKENS.agent1), calleeId: 'agent-1' },
]);

export type StreamServer = { readonly url: string; readonly hub: StreamHub; close(): Promise<void> };

/** The stream and A2A routes on an app of their own, behind authenticate(TABLE), as the daemon mounts them. */
export async function serveStreams(wired: WiredDelegations, settings: Partial<StreamSettings> = {}): Promise<StreamServer> {
  const hub = new StreamHub(settings);
  const app = new OpenAPIHono<IdentityEnv>();
  // The agent card is public; everything else needs a token.
  app.use('/v1/*', authenticate(TABLE));
  app.use('/a2a', authenticate(TABLE));
  const services = () => wired;
  registerEventStreams(app, { services, hub, logger: silentLogger });
  registerA2A(app, { services, hub, logger: silentLogger });
  const server = await listen(app, { port: 0, host: '127.0.0.1' });
  return {
    url: server.url,
    hub,
    close: async () => {
      hub.close();
      await server.close();
    },
  };
}

export function get(url: string, token: string | null, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, { headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers }, signal: signal ?? null });
}

/** Every item of a stream until it ends (the server closed it). */
export async function readAll(response: Response): Promise<SseItem[]> {
  const items: SseItem[] = [];
  for await (const item of readSse(response.body as ReadableStream<Uint8Array>)) items.push(item);
  return items;
}

/** Reads until `enough` says so, then disconnects. */
export async function readUntil(response: Response, enough: (items: readonly SseItem[]) => boolean): Promise<SseItem[]> {
  const items: SseItem[] = [];
  for await (const item of readSse(response.body as ReadableStream<Uint8Array>)) {
    items.push(item);
    if (enough(items)) break;
  }
  return items;
}

export const eventsOf = (items: readonly SseItem[]): StoredEvent[] =>
  items.flatMap((item) => (item.kind === 'event' && item.event === 'message' ? [JSON.parse(item.data) as StoredEvent] : []));

/**
 * A consumer that disconnects after `cuts[i]` events on its i-th connection and reconnects with
 * Last-Event-ID, until `done` says it has everything; returns what it received, in order.
 */
export async function consumeWithCuts(
  base: string,
  token: string,
  cuts: readonly number[],
  done: (received: number) => boolean,
  from = 1,
): Promise<StoredEvent[]> {
  const received: StoredEvent[] = [];
  let last: string | null = null;
  for (let connection = 0; !done(received.length); connection++) {
    const cut = cuts[connection % cuts.length] ?? 1;
    const abort = new AbortController();
    const url = last === null ? `${base}/v1/events?from=${from}` : `${base}/v1/events`;
    const response = await get(url, token, last === null ? {} : { 'last-event-id': last }, abort.signal);
    if (response.status !== 200) throw new Error(`stream answered ${response.status}: ${await response.text()}`);
    let taken = 0;
    try {
      for await (const item of readSse(response.body as ReadableStream<Uint8Array>)) {
        if (item.kind === 'id') last = item.lastEventId;
        // Keepalives come while idle: the writers may have finished after the last event arrived.
        if (item.kind !== 'event' && done(received.length)) break;
        if (item.kind !== 'event') continue;
        received.push(JSON.parse(item.data) as StoredEvent);
        last = item.lastEventId;
        taken += 1;
        if (taken >= cut || done(received.length)) break;
      }
    } finally {
      abort.abort();
    }
  }
  return received;
}
