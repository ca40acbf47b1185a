import type { Ledger } from '../../app/ledger-api.js';
import type { Delegation } from '../../domain/index.js';
import { notFound } from './answers.js';
import { notYours, type Parties, type Principal } from './identity.js';
import { problem } from './problem.js';

type Rule = (principal: Principal, parties: Parties) => boolean;
/** What an access check reads from the request: the ledger, who asks, and the delegation id of the path. */
export type Asking = { readonly var: { readonly ledger: Ledger; readonly principal: Principal }; readonly req: { param(name: 'id'): string | undefined } };

/**
 * The delegation the path names, when the principal may act on it by `rule`; otherwise the
 * answer: 404 when there is none, 403 when it is someone else's.
 */
export async function delegationFor(c: Asking, rule: Rule): Promise<Delegation | Response> {
  const id = c.req.param('id') as string;
  const delegation = await c.var.ledger.get(id);
  if (delegation === null) return problem(404, notFound(id));
  return rule(c.var.principal, delegation) ? delegation : notYours(id);
}

/**
 * For writes the ledger answers itself (not_found included): null when the principal may go
 * on. An admin may act on any delegation, so its request costs no extra read.
 */
export async function refusalFor(c: Asking, rule: Rule): Promise<Response | null> {
  if (c.var.principal.role === 'admin') return null;
  const found = await delegationFor(c, rule);
  return found instanceof Response ? found : null;
}

/** Who the event log says acted: the role, as the ledger's own actors are named (operator, caller, agent). */
export function actorOf(principal: Principal): string {
  return principal.role === 'admin' ? 'operator' : principal.role;
}
