import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Logger } from '../../app/ports.js';
import { isTerminal } from '../../domain/index.js';
import { statusUpdate, toTask } from './a2a-task.js';
import { type BodyLimits, DEFAULT_BODY_LIMITS, jsonBody } from './body.js';
import { follow, readFollowStart } from './delegation-follow.js';
import type { StreamServices } from './event-stream.js';
import { SSE_HEADERS, validationHook } from './event-stream.js';
import { type IdentityEnv, mayDirect, mayRead, notYours, type Principal } from './identity.js';
import { problem } from './problem.js';
import type { StreamHub } from './sse.js';
import { problemResponse } from './stream-schemas.js';

export const AGENT_CARD_PATH = '/.well-known/agent-card.json';
export const A2A_PATH = '/a2a';
export const A2A_PROTOCOL_VERSION = '1.0';

export type A2ADeps = {
  readonly services: () => StreamServices | null;
  readonly hub: StreamHub;
  readonly logger: Logger;
  /** Whether requests need a bearer token (false: no tokens configured, loopback only); the card says so. */
  readonly authenticated?: boolean | undefined;
  /** The base URL clients reach this server at, when it is not the one they sent (a proxy); default: the request's origin. */
  readonly publicUrl?: string | undefined;
  readonly version?: string | undefined;
  readonly bodyLimits?: BodyLimits | undefined;
};

// The A2A error codes (specification, section on JSON-RPC errors), and JSON-RPC's own.
const CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  taskNotFound: -32001,
  taskNotCancelable: -32002,
  pushNotSupported: -32003,
  unsupported: -32004,
  extendedCardNotConfigured: -32007,
  versionNotSupported: -32009,
} as const;

type RpcId = string | number | null;
type RpcError = { readonly code: number; readonly message: string; readonly data?: unknown };
class RpcFailure extends Error {
  constructor(readonly error: RpcError) {
    super(error.message);
  }
}

const rpcRequest = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number(), z.null()]),
  method: z.string(),
  params: z.unknown().optional(),
});
const taskParams = z.looseObject({ id: z.string().min(1), tenant: z.string().optional() });
const getTaskParams = taskParams.extend({ historyLength: z.number().int().min(0).optional() });

// Methods of A2A 1.0 this face does not offer, and the error the specification gives for each.
const NOT_OFFERED: Record<string, RpcError> = {
  SendMessage: { code: CODES.unsupported, message: 'creating tasks through A2A is not supported: create delegations with POST /v1/delegations' },
  SendStreamingMessage: { code: CODES.unsupported, message: 'creating tasks through A2A is not supported: create delegations with POST /v1/delegations' },
  ListTasks: { code: CODES.unsupported, message: 'listing tasks is not supported: list delegations with GET /v1/delegations' },
  CreateTaskPushNotificationConfig: { code: CODES.pushNotSupported, message: 'push notifications are not supported' },
  GetTaskPushNotificationConfig: { code: CODES.pushNotSupported, message: 'push notifications are not supported' },
  ListTaskPushNotificationConfigs: { code: CODES.pushNotSupported, message: 'push notifications are not supported' },
  DeleteTaskPushNotificationConfig: { code: CODES.pushNotSupported, message: 'push notifications are not supported' },
  GetExtendedAgentCard: { code: CODES.extendedCardNotConfigured, message: 'this agent has no extended card' },
  // The A2A 0.3 names: message/send is refused as its 1.0 name is; the others are named as 1.0 spells them.
  'message/send': { code: CODES.unsupported, message: 'creating tasks through A2A is not supported: create delegations with POST /v1/delegations' },
  'message/stream': { code: CODES.unsupported, message: 'creating tasks through A2A is not supported: create delegations with POST /v1/delegations' },
  'tasks/get': { code: CODES.methodNotFound, message: 'this agent speaks A2A 1.0: the method is GetTask' },
  'tasks/cancel': { code: CODES.methodNotFound, message: 'this agent speaks A2A 1.0: the method is CancelTask' },
  'tasks/resubscribe': { code: CODES.methodNotFound, message: 'this agent speaks A2A 1.0: the method is SubscribeToTask' },
};

const cardRoute = createRoute({
  method: 'get',
  path: AGENT_CARD_PATH,
  summary: 'A2A agent card (public)',
  description: 'The A2A 1.0 agent card: the JSON-RPC interface at /a2a, streaming, and the bearer scheme its requests need.',
  responses: { 200: { description: 'The agent card', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
});

const rpcRoute = createRoute({
  method: 'post',
  path: A2A_PATH,
  summary: 'A2A JSON-RPC endpoint',
  description:
    'A2A 1.0 over JSON-RPC 2.0: GetTask (with history), CancelTask and SubscribeToTask (Server-Sent Events: the task, then a status update per event, ending at a terminal state). ' +
    'The task id is the delegation id. SendMessage is answered UnsupportedOperationError (-32004).',
  request: { query: z.strictObject({}) },
  responses: {
    200: {
      description: 'A JSON-RPC response, or for SubscribeToTask an event stream of them',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) }, 'text/event-stream': { schema: z.string() } },
    },
    401: problemResponse('Missing, malformed or unknown bearer token'),
    403: problemResponse('The token may not read (GetTask, SubscribeToTask) or direct (CancelTask) this task'),
    413: problemResponse('Body too large'),
    415: problemResponse('Not application/json'),
    503: problemResponse('Starting, or shutting down'),
  },
});

/** Registers the agent card (public: mount it outside authenticate) and POST /a2a (behind authenticate(table)). */
export function registerA2A(app: OpenAPIHono<IdentityEnv>, deps: A2ADeps): void {
  app.openapi(cardRoute, (c) => Response.json(agentCard(deps, deps.publicUrl ?? new URL(c.req.url).origin)) as never);
  const json = jsonBody(z.unknown(), deps.bodyLimits ?? DEFAULT_BODY_LIMITS);
  // Size, type and time limits answer as everywhere (413, 415, 408); a body that is not JSON is JSON-RPC's parse error.
  const body: typeof json = async (c, next) => {
    const refused = await json(c, next);
    if (!(refused instanceof Response) || refused.status !== 400) return refused;
    const { message } = (await refused.json()) as { message: string };
    return rpcAnswer(null, { error: { code: CODES.parseError, message: `parse error: the body ${message}` } });
  };
  app.openapi(
    { ...rpcRoute, middleware: [body] as const },
    async (c) => {
      const parsed = rpcRequest.safeParse(c.var.body);
      if (!parsed.success) return rpcAnswer(idOf(c.var.body), { error: { code: CODES.invalidRequest, message: 'not a JSON-RPC 2.0 request object' } }) as never;
      const request = parsed.data;
      const version = c.req.header('a2a-version');
      if (version !== undefined && version.trim() !== A2A_PROTOCOL_VERSION) {
        const message = `A2A version ${JSON.stringify(version)} is not supported; this agent speaks ${A2A_PROTOCOL_VERSION}`;
        return rpcAnswer(request.id, { error: { code: CODES.versionNotSupported, message } }) as never;
      }
      const services = deps.services();
      if (services === null)
        return problem(503, { error: 'starting', message: 'the database is still opening; retry shortly' }, { headers: { 'retry-after': '1' } }) as never;
      try {
        return (await dispatch(c.var.principal, request.id, request.method, request.params, services, deps)) as never;
      } catch (error) {
        if (error instanceof RpcFailure) return rpcAnswer(request.id, { error: error.error }) as never;
        throw error;
      }
    },
    validationHook,
  );
}

async function dispatch(principal: Principal, id: RpcId, method: string, params: unknown, services: StreamServices, deps: A2ADeps): Promise<Response> {
  switch (method) {
    case 'GetTask': {
      const { id: taskId, historyLength } = paramsOf(getTaskParams, params);
      const start = await readable(services, principal, taskId);
      if (start instanceof Response) return start;
      return rpcAnswer(id, { result: toTask(start.delegation, start.history, historyLength) });
    }
    case 'CancelTask':
      return cancel(id, paramsOf(taskParams, params).id, principal, services);
    case 'SubscribeToTask':
      return subscribe(id, paramsOf(taskParams, params).id, principal, services, deps);
    default: {
      const refusal = NOT_OFFERED[method];
      return rpcAnswer(id, { error: refusal ?? { code: CODES.methodNotFound, message: `no method ${JSON.stringify(method)}` } });
    }
  }
}

async function readable(services: StreamServices, principal: Principal, taskId: string) {
  const start = await readFollowStart(services.ledger, taskId);
  if (start === null) throw new RpcFailure({ code: CODES.taskNotFound, message: `task ${taskId} not found` });
  return mayRead(principal, start.delegation) ? start : notYours(taskId);
}

async function cancel(id: RpcId, taskId: string, principal: Principal, services: StreamServices): Promise<Response> {
  const start = await readable(services, principal, taskId);
  if (start instanceof Response) return start;
  if (!mayDirect(principal, start.delegation)) return notYours(taskId);
  const outcome = await services.ledger.cancel(taskId, { actor: principal.role === 'admin' ? 'operator' : 'caller', reason: 'cancelled through A2A' });
  switch (outcome.outcome) {
    case 'applied':
    case 'unchanged': {
      const history = await services.ledger.history(taskId);
      return rpcAnswer(id, { result: toTask(outcome.delegation, history) });
    }
    case 'refused':
      throw new RpcFailure({ code: CODES.taskNotCancelable, message: `task ${taskId} is ${outcome.delegation.status}: ${outcome.message}` });
    case 'not_found':
      throw new RpcFailure({ code: CODES.taskNotFound, message: `task ${taskId} not found` });
  }
}

async function subscribe(id: RpcId, taskId: string, principal: Principal, services: StreamServices, deps: A2ADeps): Promise<Response> {
  const start = await readable(services, principal, taskId);
  if (start instanceof Response) return start;
  // The specification: a task in a terminal state cannot be subscribed to.
  if (isTerminal(start.delegation.status) && start.later.length === 0) {
    throw new RpcFailure({
      code: CODES.unsupported,
      message: `task ${taskId} is ${start.delegation.status}, a terminal state: there is nothing to subscribe to`,
    });
  }
  const channel = deps.hub.openChannel();
  if (channel === null) return problem(503, { error: 'shutting_down', message: 'the server is shutting down' }, { headers: { 'retry-after': '1' } });
  const frame = (position: number, result: unknown) => channel.send({ id: String(position), data: JSON.stringify({ jsonrpc: '2.0', id, result }) });
  void (async () => {
    try {
      if (!(await channel.start())) return;
      await follow(
        start,
        {
          state: (delegation, position) =>
            frame(position, {
              task: toTask(
                delegation,
                start.history.filter((event) => event.version <= delegation.version),
              ),
            }),
          event: (event) => frame(event.position, { statusUpdate: statusUpdate(event) }),
        },
        { subscriptions: services.subscriptions, logger: deps.logger, signal: channel.signal },
      );
    } catch (error) {
      deps.logger.error({ err: error, delegationId: taskId }, 'A2A task subscription failed');
    } finally {
      channel.end();
    }
  })();
  return new Response(channel.body, { status: 200, headers: SSE_HEADERS });
}

function paramsOf<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? 'params' : `params.${issue.path.map(String).join('.')}`;
  throw new RpcFailure({ code: CODES.invalidParams, message: `${where}: ${issue?.message ?? 'invalid'}` });
}

function rpcAnswer(id: RpcId, body: { result: unknown } | { error: RpcError }): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', id, ...body }), { status: 200, headers: { 'content-type': 'application/json' } });
}

function idOf(body: unknown): RpcId {
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : null;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function agentCard(deps: A2ADeps, base: string) {
  const secured = deps.authenticated !== false;
  return {
    name: 'delegation-ledger',
    description:
      'A ledger of work delegated to agents. Each delegation is an A2A task (the task id is the delegation id): read it with its history, cancel it, and follow its status until it ends.',
    version: deps.version ?? A2A_PROTOCOL_VERSION,
    supportedInterfaces: [{ url: `${base}${A2A_PATH}`, protocolBinding: 'JSONRPC', protocolVersion: A2A_PROTOCOL_VERSION }],
    capabilities: { streaming: true, pushNotifications: false, extendedAgentCard: false },
    ...(secured
      ? {
          securitySchemes: {
            bearer: { httpAuthSecurityScheme: { scheme: 'Bearer', description: 'A caller, agent or admin token of the ledger (DELEGATIONS_TOKENS)' } },
          },
          securityRequirements: [{ schemes: { bearer: { list: [] } } }],
        }
      : {}),
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      {
        id: 'follow-delegations',
        name: 'Follow delegations',
        description: 'Read, cancel and subscribe to the delegations this token may see, as A2A tasks.',
        tags: ['delegation', 'tasks', 'status'],
      },
    ],
  };
}
