import { randomUUID } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { CreateInput, Ledger } from '../../app/ledger-api.js';
import { detailText } from '../../app/validation.js';
import { type Delegation, DelegationExistsError, DelegationNotFoundError, WaitTimeoutError } from '../../domain/index.js';
import { notFound, outcomeResponse } from './answers.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { forbidden, mayDirect, mayRead, requireRole } from './identity.js';
import { type ApiVariables, json, type RouteContext, serve } from './openapi-route.js';
import { badRequest, problem } from './problem.js';
import { delegationSchema, problemSchema, refusedSchema, transitionSchema, withHistorySchema } from './schemas.js';
import { actorOf, delegationFor, refusalFor } from './v1-access.js';
import { cancelBody, createBody, DEFAULT_WAIT_MS, IDEMPOTENCY_KEY, idempotencyHeaders, resumeBody, v1ListQuery, waitQuery } from './v1-schemas.js';

const TAGS = ['callers'];
const one = z.object({ delegation: delegationSchema });
const page = z.object({ delegations: z.array(delegationSchema), nextCursor: z.string().nullable() });
const waited = z.object({ delegation: delegationSchema, timedOut: z.boolean() });
const missing = json(problemSchema, 'no such delegation');
const refused = json(refusedSchema, 'refused by the transition table');
const callers = requireRole('caller', 'admin');

/** The callers' routes: create, list, read, wait, cancel, resume. */
export function callerRoutes(context: RouteContext): void {
  serve(
    context,
    {
      method: 'post',
      path: '/v1/delegations',
      summary: 'Create a delegation',
      description:
        'A caller token creates for its own callerId; an admin token names callerId. A repeat with the same Idempotency-Key answers 200 with the delegation the first one created.',
      tags: TAGS,
      body: createBody,
      headers: idempotencyHeaders,
      guard: [callers],
      responses: {
        201: json(one, 'created'),
        200: json(one, 'a replay: the delegation this Idempotency-Key created'),
        409: json(problemSchema, 'the delegationId is taken (by another request)'),
        422: json(problemSchema, 'the Idempotency-Key was used for a different request'),
      },
    },
    create,
  );
  serve(
    context,
    {
      method: 'get',
      path: '/v1/delegations',
      summary: 'List delegations, newest first, a page at a time',
      description: 'A caller token sees its own delegations, an agent token those addressed to it. nextCursor is null on the last page.',
      tags: TAGS,
      query: v1ListQuery,
      responses: { 200: json(page, 'a page') },
    },
    async (c) => {
      const { cursor, ...query } = c.var.query;
      const principal = c.var.principal;
      const scope = { callerId: query.callerId, calleeId: query.calleeId };
      if (principal.role === 'caller') {
        if (scope.callerId !== undefined && scope.callerId !== principal.callerId) return forbidden('a caller token lists only its own delegations');
        scope.callerId = principal.callerId;
      } else if (principal.role === 'agent') {
        if (scope.calleeId !== undefined && scope.calleeId !== principal.calleeId)
          return forbidden('an agent token lists only the delegations addressed to it');
        scope.calleeId = principal.calleeId;
      }
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      if (after === null) return badRequest('cursor', 'is not a cursor this server gave (pass nextCursor as it came)');
      const delegations = await c.var.ledger.list({ ...query, ...scope, after });
      const last = delegations.at(-1);
      return c.json({ delegations, nextCursor: last !== undefined && delegations.length === query.limit ? encodeCursor(last) : null });
    },
  );
  serve(
    context,
    {
      method: 'get',
      path: '/v1/delegations/{id}',
      summary: 'A delegation with its history',
      tags: TAGS,
      responses: { 200: json(withHistorySchema, 'found'), 404: missing },
    },
    async (c) => {
      const found = await delegationFor(c, mayRead);
      if (found instanceof Response) return found;
      return c.json({ delegation: found, history: await c.var.ledger.history(found.delegationId) });
    },
  );
  serve(
    context,
    {
      method: 'get',
      path: '/v1/delegations/{id}/wait',
      summary: 'Long-poll until the delegation is terminal (or in `until`), or timeoutMs passes',
      tags: TAGS,
      query: waitQuery,
      responses: { 200: json(waited, 'timedOut false: it reached a status waited for; true: it did not in time'), 404: missing },
    },
    async (c) => {
      const found = await delegationFor(c, mayRead);
      if (found instanceof Response) return found;
      return wait(c.var.ledger, c.req.raw.signal, found, c.var.query);
    },
  );
  serve(
    context,
    {
      method: 'post',
      path: '/v1/delegations/{id}/cancel',
      summary: 'Cancel a delegation in flight',
      tags: TAGS,
      body: cancelBody,
      guard: [callers],
      responses: transitions('cancelled'),
    },
    async (c) =>
      (await refusalFor(c, mayDirect)) ??
      outcomeResponse(c, await c.var.ledger.cancel(c.req.param('id') as string, { reason: c.var.body.reason, actor: actorOf(c.var.principal) })),
  );
  serve(
    context,
    {
      method: 'post',
      path: '/v1/delegations/{id}/resume',
      summary: 'Answer an input_required delegation: it goes on',
      tags: TAGS,
      body: resumeBody,
      guard: [callers],
      responses: transitions('resumed'),
    },
    async (c) =>
      (await refusalFor(c, mayDirect)) ??
      outcomeResponse(c, await c.var.ledger.resume(c.req.param('id') as string, { answer: c.var.body.answer, actor: actorOf(c.var.principal) })),
  );
}

export function transitions(what: string) {
  return { 200: json(transitionSchema, `${what}, or already`), 404: missing, 409: refused };
}

type CreateContext = Context<{ Variables: ApiVariables & { query: Record<string, never>; body: z.output<typeof createBody> } }>;

async function create(c: CreateContext): Promise<Response> {
  const { body, principal, ledger } = c.var;
  let callerId = body.callerId;
  if (principal.role === 'caller') {
    if (callerId !== undefined && callerId !== principal.callerId) return forbidden('a caller token creates delegations for its own callerId only');
    callerId = principal.callerId;
  } else if (callerId === undefined) return badRequest('callerId', 'is required with an admin token: name the caller the delegation is for');
  const header = c.req.header('idempotency-key');
  const key = header === undefined ? undefined : IDEMPOTENCY_KEY.exec(header)?.[1];
  if (header !== undefined && key === undefined)
    return badRequest('idempotency-key', 'must be 1 to 255 visible ASCII characters without quotes or backslashes (a UUID, say), optionally in double quotes');
  // With a key, the id is chosen here when the caller gave none: a different id back means the key had been used.
  const delegationId = body.delegationId ?? (key === undefined ? undefined : randomUUID());
  const existed = key !== undefined && body.delegationId !== undefined && (await ledger.get(body.delegationId)) !== null;
  const input: CreateInput = { ...body, retry: body.retry as CreateInput['retry'], callerId, delegationId, idempotencyKey: key };
  let delegation: Delegation;
  try {
    delegation = await ledger.create(input);
  } catch (error) {
    if (!(error instanceof DelegationExistsError)) throw error;
    return problem(409, {
      error: 'exists',
      field: 'delegationId',
      message: `delegation ${error.delegationId} exists already (created by another request)`,
      delegationId: error.delegationId,
    });
  }
  const replayed = key !== undefined && (existed || delegation.delegationId !== delegationId);
  if (!replayed) return c.json({ delegation }, 201);
  const differs = differingField(body, delegation);
  if (differs !== null)
    return problem(422, {
      error: 'idempotency_key_reused',
      field: differs,
      message: `Idempotency-Key ${JSON.stringify(key)} was used for another request (its ${differs} differs); use a new key for a new delegation`,
      delegationId: delegation.delegationId,
    });
  return c.json({ delegation }, 200);
}

/** The first field of a replayed create that the delegation its key made does not match, or null. */
function differingField(input: z.output<typeof createBody>, existing: Delegation): string | null {
  if (input.delegationId !== undefined && input.delegationId !== existing.delegationId) return 'delegationId';
  if (input.calleeId !== existing.calleeId) return 'calleeId';
  if ((detailText('task', input.task) ?? '') !== existing.taskPreview) return 'task';
  if (input.heartbeatTimeoutMs !== undefined && input.heartbeatTimeoutMs !== existing.heartbeatTimeoutMs) return 'heartbeatTimeoutMs';
  if (input.deadline !== undefined && new Date(input.deadline).getTime() !== existing.deadline.getTime()) return 'deadline';
  return null;
}

async function wait(ledger: Ledger, signal: AbortSignal, delegation: Delegation, query: z.output<typeof waitQuery>): Promise<Response> {
  try {
    const settled = await ledger.waitFor(delegation.delegationId, { timeoutMs: query.timeoutMs ?? DEFAULT_WAIT_MS, until: query.until, signal });
    return Response.json({ delegation: settled, timedOut: false });
  } catch (error) {
    if (error instanceof WaitTimeoutError) return Response.json({ delegation: (await ledger.get(delegation.delegationId)) ?? delegation, timedOut: true });
    if (error instanceof DelegationNotFoundError) return problem(404, notFound(delegation.delegationId));
    // The client went away: nobody reads this answer, and the wait it held is released.
    if (signal.aborted) return problem(499, { error: 'client_closed', message: 'the client closed the request' });
    throw error;
  }
}
