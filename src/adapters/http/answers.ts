import type { Context } from 'hono';
import type { TransitionOutcome } from '../../app/ledger-api.js';
import { assertNever, DatabaseError } from '../../domain/index.js';
import { problem } from './problem.js';

/** A transition's answer: applied or unchanged 200, refused 409 with the reason, not_found 404. */
export function outcomeResponse(c: Context, outcome: TransitionOutcome): Response {
  switch (outcome.outcome) {
    case 'applied':
    case 'unchanged':
      return c.json(outcome, 200);
    case 'refused':
      return c.json({ error: 'refused', reason: outcome.reason, message: outcome.message, delegation: outcome.delegation }, 409);
    case 'not_found':
      return c.json(notFound(outcome.delegationId), 404);
    default:
      return assertNever(outcome);
  }
}

export function notFound(delegationId: string) {
  const body = { error: 'not_found', message: `delegation ${delegationId} not found`, delegationId };
  // The counts used to be served at this path; a client that still asks for them is told where they went.
  return delegationId === 'stats' ? { ...body, hint: 'the counts per status are at GET /admin/stats' } : body;
}

/** A database that is down or slow is the server's passing state, not a bug: 503 with a retry hint; a lost race 409. */
export function databaseProblem(error: unknown): Response | null {
  if (!(error instanceof DatabaseError)) return null;
  if (error.kind === 'conflict') return problem(409, { error: 'conflict', message: 'a concurrent change won; retry', code: error.sqlState });
  if (error.kind === 'rejected') return null;
  return problem(
    503,
    { error: `database_${error.kind}`, message: `the database is ${error.kind === 'timeout' ? 'not answering in time' : 'unavailable'}; retry shortly` },
    { headers: { 'Retry-After': '5' } },
  );
}

export function wrongMethod(method: string, path: string, allowed: readonly string[]): Response {
  const message = `${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`;
  return problem(405, { error: 'method_not_allowed', message, allowed }, { headers: { allow: allowed.join(', ') } });
}
