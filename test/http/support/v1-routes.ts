import { randomUUID } from 'node:crypto';
import type { Ledger } from '../../../src/app/ledger-api.js';
import type { Status } from '../../../src/index.js';
import { ROLE_TOKENS, SEED_CALLEE, SEED_CALLER } from './admin.js';

/** Who presents what: each role's own token, a stranger of each role, and the three kinds of bad credential. */
export const CREDENTIALS = {
  admin: `Bearer ${ROLE_TOKENS.admin}`,
  caller: `Bearer ${ROLE_TOKENS.caller}`,
  otherCaller: `Bearer ${ROLE_TOKENS.otherCaller}`,
  agent: `Bearer ${ROLE_TOKENS.agent}`,
  otherAgent: `Bearer ${ROLE_TOKENS.otherAgent}`,
  none: null,
  malformed: `Bearer ${ROLE_TOKENS.admin} extra`,
  unknown: 'Bearer not-a-configured-token',
} as const;
export type Credential = keyof typeof CREDENTIALS;

type Expected = Record<Credential, number>;

/** A route of the server, how to call it on a delegation in the state it needs, and what each credential gets. */
export type RouteCase = {
  readonly method: 'GET' | 'POST';
  /** As the OpenAPI document spells it. */
  readonly template: string;
  /** A delegation of the seeded caller and callee in this status; the path's {id} is its id. */
  readonly state?: Status;
  readonly query?: string;
  readonly body?: Record<string, unknown>;
  readonly expected: Expected;
};

const unauthenticated = { none: 401, malformed: 401, unknown: 401 } as const;
const publicRoute: Expected = { admin: 200, caller: 200, otherCaller: 200, agent: 200, otherAgent: 200, none: 200, malformed: 200, unknown: 200 };
const adminOnly: Expected = { admin: 200, caller: 403, otherCaller: 403, agent: 403, otherAgent: 403, ...unauthenticated };
const readers: Expected = { admin: 200, caller: 200, otherCaller: 403, agent: 200, otherAgent: 403, ...unauthenticated };
const directors: Expected = { admin: 200, caller: 200, otherCaller: 403, agent: 403, otherAgent: 403, ...unauthenticated };
const workers: Expected = { admin: 200, caller: 403, otherCaller: 403, agent: 200, otherAgent: 403, ...unauthenticated };

export const ROUTE_CASES: readonly RouteCase[] = [
  { method: 'GET', template: '/healthz', expected: publicRoute },
  { method: 'GET', template: '/openapi.json', expected: publicRoute },
  { method: 'GET', template: '/metrics', expected: adminOnly },
  { method: 'GET', template: '/admin/stats', expected: adminOnly },
  { method: 'GET', template: '/admin/delegations', expected: adminOnly },
  { method: 'GET', template: '/admin/delegations/{id}', state: 'queued', expected: adminOnly },
  { method: 'POST', template: '/admin/delegations/{id}/retry', state: 'stuck', expected: adminOnly },
  { method: 'POST', template: '/admin/delegations/{id}/cancel', state: 'queued', expected: adminOnly },
  {
    method: 'POST',
    template: '/v1/delegations',
    body: { callerId: SEED_CALLER, calleeId: SEED_CALLEE, task: 'summarise' },
    expected: { ...directors, admin: 201, caller: 201 },
  },
  { method: 'GET', template: '/v1/delegations', query: `callerId=${SEED_CALLER}&calleeId=${SEED_CALLEE}`, expected: readers },
  { method: 'GET', template: '/v1/delegations/{id}', state: 'in_progress', expected: readers },
  { method: 'GET', template: '/v1/delegations/{id}/wait', state: 'completed', query: 'timeoutMs=1000', expected: readers },
  { method: 'POST', template: '/v1/delegations/{id}/cancel', state: 'queued', body: { reason: 'not needed' }, expected: directors },
  { method: 'POST', template: '/v1/delegations/{id}/resume', state: 'input_required', body: { answer: 'Q3' }, expected: directors },
  { method: 'POST', template: '/v1/claims', body: { calleeId: SEED_CALLEE }, expected: workers },
  { method: 'POST', template: '/v1/delegations/{id}/heartbeat', state: 'in_progress', body: { progress: 0.5 }, expected: workers },
  { method: 'POST', template: '/v1/delegations/{id}/complete', state: 'in_progress', body: { result: 'done' }, expected: workers },
  { method: 'POST', template: '/v1/delegations/{id}/fail', state: 'in_progress', body: { error: 'broke', retryable: false }, expected: workers },
  { method: 'POST', template: '/v1/delegations/{id}/input-request', state: 'in_progress', body: { question: 'which?' }, expected: workers },
  { method: 'POST', template: '/v1/delegations/{id}/reject', state: 'dispatched', body: { reason: 'not mine' }, expected: workers },
];

/** A fresh delegation of the seeded caller and callee, brought to `status` through the ledger. */
export async function delegationIn(ledger: Ledger, status: Status): Promise<string> {
  const id = `route-${randomUUID()}`;
  await ledger.create({ delegationId: id, callerId: SEED_CALLER, calleeId: SEED_CALLEE, task: `in ${status}` });
  const steps: Record<Status, (() => Promise<unknown>)[]> = {
    queued: [],
    dispatched: [() => ledger.setStatus(id, 'dispatched')],
    in_progress: [() => ledger.setStatus(id, 'in_progress')],
    input_required: [() => ledger.setStatus(id, 'in_progress'), () => ledger.requestInput(id, { question: 'which quarter?' })],
    stuck: [() => ledger.setStatus(id, 'in_progress'), () => ledger.setStatus(id, 'stuck', { errorDetail: 'silent', actor: 'sweeper' })],
    completed: [() => ledger.setStatus(id, 'completed', { resultPreview: 'ok' })],
    failed: [() => ledger.setStatus(id, 'failed')],
    cancelled: [() => ledger.cancel(id)],
    rejected: [() => ledger.setStatus(id, 'dispatched'), () => ledger.reject(id)],
  };
  for (const step of steps[status]) await step();
  return id;
}
