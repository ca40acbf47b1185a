import { z } from '@hono/zod-openapi';
import { notFound, outcomeResponse } from './answers.js';
import { forbidden, mayWork, requireRole } from './identity.js';
import { json, type RouteContext, serve } from './openapi-route.js';
import { badRequest, problem } from './problem.js';
import { delegationSchema, heartbeatAnswerSchema, problemSchema } from './schemas.js';
import { actorOf, refusalFor } from './v1-access.js';
import { transitions } from './v1-caller-routes.js';
import { claimBody, completeBody, failBody, heartbeatBody, inputRequestBody, rejectBody } from './v1-schemas.js';

const TAGS = ['agents'];
const agents = requireRole('agent', 'admin');

/** The agents' routes: claim work, beat, finish it (complete, fail, ask, reject). */
export function agentRoutes(context: RouteContext): void {
  serve(
    context,
    {
      method: 'post',
      path: '/v1/claims',
      summary: 'Claim queued delegations addressed to a callee, oldest first',
      description: 'An agent token claims for its own calleeId; an admin token names calleeId. Each claimed delegation is dispatched.',
      tags: TAGS,
      body: claimBody,
      guard: [agents],
      responses: { 200: json(z.object({ delegations: z.array(delegationSchema) }), 'the delegations claimed (maybe none)') },
    },
    async (c) => {
      const { principal } = c.var;
      let { calleeId } = c.var.body;
      if (principal.role === 'agent') {
        if (calleeId !== undefined && calleeId !== principal.calleeId)
          return forbidden('an agent token claims only the delegations addressed to its own calleeId');
        calleeId = principal.calleeId;
      } else if (calleeId === undefined) return badRequest('calleeId', 'is required with an admin token: name the callee to claim for');
      return c.json({ delegations: await c.var.ledger.claim({ calleeId, limit: c.var.body.limit, actor: actorOf(principal) }) });
    },
  );
  serve(
    context,
    {
      method: 'post',
      path: '/v1/delegations/{id}/heartbeat',
      summary: 'Report liveness (and progress); the answer says whether to go on',
      description: 'stop true tells the agent to stop (cancelled, superseded by a newer attempt, ...); reason says why.',
      tags: TAGS,
      body: heartbeatBody,
      guard: [agents],
      responses: { 200: json(heartbeatAnswerSchema, 'what the beat did, and whether to go on'), 404: json(problemSchema, 'no such delegation') },
    },
    async (c) => {
      const refusal = await refusalFor(c, mayWork);
      if (refusal !== null) return refusal;
      const id = c.req.param('id') as string;
      const outcome = await c.var.ledger.heartbeat(id, c.var.body);
      return outcome.outcome === 'not_found' ? problem(404, notFound(id)) : c.json(outcome, 200);
    },
  );
  serve(
    context,
    {
      method: 'post',
      path: '/v1/delegations/{id}/complete',
      summary: 'Complete with a result',
      tags: TAGS,
      body: completeBody,
      guard: [agents],
      responses: transitions('completed'),
    },
    async (c) => {
      const { attempt, result } = c.var.body;
      const actor = actorOf(c.var.principal);
      return (
        (await refusalFor(c, mayWork)) ??
        outcomeResponse(c, await c.var.ledger.setStatus(c.req.param('id') as string, 'completed', { attempt, resultPreview: result, actor }))
      );
    },
  );
  serve(
    context,
    {
      method: 'post',
      path: '/v1/delegations/{id}/fail',
      summary: 'Fail, retryable or not',
      tags: TAGS,
      body: failBody,
      guard: [agents],
      responses: transitions('failed (or requeued, when retryable under a retry policy)'),
    },
    async (c) => {
      const { attempt, error, retryable } = c.var.body;
      const actor = actorOf(c.var.principal);
      return (
        (await refusalFor(c, mayWork)) ??
        outcomeResponse(c, await c.var.ledger.setStatus(c.req.param('id') as string, 'failed', { attempt, errorDetail: error, retryable, actor }))
      );
    },
  );
  serve(
    context,
    {
      method: 'post',
      path: '/v1/delegations/{id}/input-request',
      summary: 'Ask the caller a question: input_required until it resumes',
      tags: TAGS,
      body: inputRequestBody,
      guard: [agents],
      responses: transitions('input_required'),
    },
    async (c) => {
      const { attempt, question } = c.var.body;
      const actor = actorOf(c.var.principal);
      return (await refusalFor(c, mayWork)) ?? outcomeResponse(c, await c.var.ledger.requestInput(c.req.param('id') as string, { question, attempt, actor }));
    },
  );
  serve(
    context,
    {
      method: 'post',
      path: '/v1/delegations/{id}/reject',
      summary: 'Decline the task',
      tags: TAGS,
      body: rejectBody,
      guard: [agents],
      responses: transitions('rejected'),
    },
    async (c) => {
      const { attempt, reason } = c.var.body;
      const actor = actorOf(c.var.principal);
      return (await refusalFor(c, mayWork)) ?? outcomeResponse(c, await c.var.ledger.reject(c.req.param('id') as string, { reason, attempt, actor }));
    },
  );
}
