import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Ledger } from '../../app/ledger-api.js';
import type { Logger } from '../../app/ports.js';
import type { Subscriptions } from '../../app/subscriptions-api.js';
import { isTerminal, type EventType } from '../../domain/index.js';
import { firstIssue } from '../admin/list-query.js';
import { follow, readFollowStart } from './delegation-follow.js';
import { PartiesCache, visible } from './event-visibility.js';
import { type IdentityEnv, mayRead, notYours, type Principal } from './identity.js';
import { startTail } from './live-tail.js';
import { badRequest, problem } from './problem.js';
import type { SseChannel, StreamHub } from './sse.js';
import { eventTypesText, lastEventIdHeaders, positionText, problemResponse, sseResponse } from './stream-schemas.js';

export type StreamServices = { readonly ledger: Ledger; readonly subscriptions: Subscriptions };

export type EventStreamDeps = {
  /** Null while the database is still opening: 503. */
  readonly services: () => StreamServices | null;
  /** Tracks the open streams; the daemon closes it before the HTTP server at shutdown. */
  readonly hub: StreamHub;
  readonly logger: Logger;
};

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // nginx would otherwise buffer the stream and deliver it in bursts
  'x-accel-buffering': 'no',
  // A stream ends only when the client leaves or the server stops; a kept-alive socket after it would hold the server's close back.
  connection: 'close',
} as const;

const refusals = {
  400: problemResponse('Bad Last-Event-ID, ?from= or ?types='),
  401: problemResponse('Missing, malformed or unknown bearer token'),
  503: problemResponse('Starting, or shutting down'),
};

const eventsRoute = createRoute({
  method: 'get',
  path: '/v1/events',
  summary: 'Live event stream (Server-Sent Events)',
  description:
    'Every event in position order, each with `id:` its position; reconnect with Last-Event-ID (or ?from= on the first connect) to resume with no gap and no duplicate. ' +
    'Without either, the stream starts with the events committed from now on. A caller token sees its own delegations, an agent token those addressed to it. ' +
    'A `: keepalive` comment comes every 15 s, with an id past the events the token was not shown.',
  request: {
    query: z.strictObject({
      from: positionText(1).optional().openapi({ type: 'string', description: 'The first position to send (Last-Event-ID wins when both are given)' }),
      types: eventTypesText.optional(),
    }),
    headers: lastEventIdHeaders,
  },
  responses: { 200: sseResponse('One `data:` line per event (a StoredEvent as JSON), `id:` its position'), ...refusals },
});

const delegationEventsRoute = createRoute({
  method: 'get',
  path: '/v1/delegations/{id}/events',
  summary: "One delegation's events (Server-Sent Events), until it is terminal",
  description:
    'First an `event: delegation` with the current state ({delegation}), then each of its events as it commits; the stream ends after the terminal one. ' +
    'A reconnect (Last-Event-ID) to a delegation that was already terminal then is answered 204, which tells EventSource to stop.',
  request: { params: z.object({ id: z.string().min(1) }), query: z.strictObject({}), headers: lastEventIdHeaders },
  responses: {
    200: sseResponse('The state, then the events'),
    204: { description: 'Nothing more will come: the delegation was terminal at the id the client resumes after' },
    403: problemResponse('The token may not read this delegation'),
    404: problemResponse('No such delegation'),
    ...refusals,
  },
});

/** Registers GET /v1/events and GET /v1/delegations/{id}/events. Mount behind authenticate(table). */
export function registerEventStreams(app: OpenAPIHono<IdentityEnv>, deps: EventStreamDeps): void {
  const parties = new PartiesCache();
  app.openapi(
    eventsRoute,
    (c) => {
      const services = deps.services();
      const channel = services === null ? null : deps.hub.openChannel();
      if (services === null || channel === null) return unavailable(services === null) as never;
      const query = c.req.valid('query');
      const after = c.req.valid('header')['last-event-id'];
      const from = after !== undefined ? after + 1 : (query.from ?? 'end');
      produce(channel, deps.logger, () => tailEvents(channel, services, c.var.principal, { from, types: query.types }, parties, deps.logger));
      return sseResponse200(channel) as never;
    },
    validationHook,
  );
  app.openapi(
    delegationEventsRoute,
    async (c) => {
      const services = deps.services();
      if (services === null) return unavailable(true) as never;
      const { id } = c.req.valid('param');
      const start = await readFollowStart(services.ledger, id);
      if (start === null) return problem(404, { error: 'not_found', message: `delegation ${id} not found`, delegationId: id }) as never;
      if (!mayRead(c.var.principal, start.delegation)) return notYours(id) as never;
      const after = c.req.valid('header')['last-event-id'];
      if (after !== undefined && isTerminal(start.delegation.status) && start.later.length === 0 && after >= start.statePosition) {
        return c.body(null, 204) as never;
      }
      const channel = deps.hub.openChannel();
      if (channel === null) return unavailable(false) as never;
      produce(channel, deps.logger, () =>
        follow(
          start,
          {
            state: (delegation, position) => channel.send({ event: 'delegation', id: String(position), data: JSON.stringify({ delegation }) }),
            event: (event) => channel.send({ id: String(event.position), data: JSON.stringify(event) }),
          },
          { subscriptions: services.subscriptions, logger: deps.logger, signal: channel.signal },
        ),
      );
      return sseResponse200(channel) as never;
    },
    validationHook,
  );
}

type TailOptions = { readonly from: number | 'end'; readonly types: readonly EventType[] | undefined };

async function tailEvents(
  channel: SseChannel,
  services: StreamServices,
  principal: Principal,
  options: TailOptions,
  parties: PartiesCache,
  logger: Logger,
): Promise<void> {
  let sent = 0;
  const tail = startTail({
    subscriptions: services.subscriptions,
    from: options.from,
    types: options.types,
    logger,
    signal: channel.signal,
    deliver: async (event) => {
      if (!(await visible(principal, event, parties, services.ledger))) return true;
      sent = event.position;
      return channel.send({ id: String(event.position), data: JSON.stringify(event) });
    },
  });
  channel.progress = () => {
    const through = tail.readThrough();
    return through !== null && through > sent ? String(through) : null;
  };
  await tail.done;
}

/** Runs the stream's producer; the response ends when it returns or throws (a throw is logged: the client reconnects). */
function produce(channel: SseChannel, logger: Logger, run: () => Promise<void>): void {
  void (async () => {
    try {
      if (await channel.start()) await run();
    } catch (error) {
      logger.error({ err: error }, 'event stream failed');
    } finally {
      channel.end();
    }
  })();
}

function sseResponse200(channel: SseChannel): Response {
  return new Response(channel.body, { status: 200, headers: SSE_HEADERS });
}

function unavailable(starting: boolean): Response {
  const message = starting ? 'the database is still opening; retry shortly' : 'the server is shutting down';
  return problem(503, { error: starting ? 'starting' : 'shutting_down', message }, { headers: { 'retry-after': '1' } });
}

/** A bad query field or header is a 400 naming it, as everywhere else in the API. */
export function validationHook(result: { success: boolean; error?: z.core.$ZodError }, _c: Context): Response | undefined {
  if (result.success || result.error === undefined) return undefined;
  const { field, message } = firstIssue(result.error);
  return badRequest(field, message);
}
