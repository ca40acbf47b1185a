import type { Ledger } from '../app/ledger-api.js';
import { MAX_CLAIM_LIMIT, MAX_LIST_LIMIT } from '../app/ledger.js';
import type { VirtualClock } from '../adapters/memory/virtual-clock.js';
import type { Delegation } from '../domain/index.js';
import { scheduleAfterDispatch, startAgent, type AgentState } from './agent.js';
import { CLAIM, type EventQueue } from './event-queue.js';
import { planRetry, type AgentPlan } from './fleet.js';

/** What the fleet's workers need to pick up requeued work: the ledger, the agents so far, when they will next ask. */
export type ClaimState = {
  readonly ledger: Ledger;
  readonly clock: VirtualClock;
  readonly startedAt: Date;
  readonly queue: EventQueue;
  readonly agents: AgentState[];
  readonly firstAttempts: ReadonlyMap<string, AgentPlan>;
  /** Every callee of the fleet (its profiles' names), in a fixed order. */
  readonly callees: readonly string[];
  /** Virtual ms of the claims already queued, so one instant is asked once. */
  readonly claimsDue: Set<number>;
};

// Idle workers ask for work every five seconds: short beside any backoff worth having, and
// on a fixed grid, so a claim's time never depends on the order events were handled in.
export const CLAIM_POLL_MS = 5_000;

/**
 * The fleet's workers claim every queued delegation past its backoff (ledger.claim, oldest
 * first, per callee) and each claimed attempt goes to a fresh agent. Returns how many were
 * claimed; the next claim is queued for the earliest backoff still running.
 */
export async function claimQueued(state: ClaimState, nowMs: number): Promise<number> {
  state.claimsDue.delete(nowMs);
  let claimed = 0;
  for (const calleeId of state.callees) {
    for (;;) {
      const batch = await state.ledger.claim({ calleeId, limit: MAX_CLAIM_LIMIT, actor: 'fleet' });
      for (const delegation of batch) spawnRetry(state, delegation, nowMs);
      claimed += batch.length;
      if (batch.length < MAX_CLAIM_LIMIT) break;
    }
  }
  await scheduleClaim(state, nowMs + 1);
  return claimed;
}

/**
 * Queues a claim at the first poll at or after `earliestMs` when some queued delegation will be
 * claimable: past its backoff and before its deadline (past it, it is the sweeper's to fail).
 */
export async function scheduleClaim(state: ClaimState, earliestMs: number): Promise<void> {
  const nowMs = state.clock.now().getTime() - state.startedAt.getTime();
  const queued = await state.ledger.list({ status: 'queued', limit: MAX_LIST_LIMIT });
  const waiting = queued.filter((d) => relative(state, d.deadline) >= nowMs);
  if (waiting.length === 0) return;
  // A full page may hide an earlier backoff: ask at the next poll, which lists again.
  const readyMs =
    queued.length === MAX_LIST_LIMIT ? earliestMs : Math.min(...waiting.map((d) => (d.availableAt === null ? nowMs : relative(state, d.availableAt))));
  const atMs = Math.ceil(Math.max(earliestMs, readyMs) / CLAIM_POLL_MS) * CLAIM_POLL_MS;
  if (state.claimsDue.has(atMs)) return;
  state.claimsDue.add(atMs);
  state.queue.push(atMs, CLAIM);
}

/** The claimed attempt's agent starts now, dispatched by the claim. */
function spawnRetry(state: ClaimState, delegation: Delegation, nowMs: number): void {
  const first = state.firstAttempts.get(delegation.delegationId);
  if (first === undefined) throw new Error(`claimed ${delegation.delegationId}, which no agent of this fleet created`);
  const agent = startAgent(planRetry(first, delegation.attempt, nowMs));
  scheduleAfterDispatch(agent);
  state.agents.push(agent);
  state.queue.push(agent.nextAtMs, state.agents.length - 1);
}

function relative(state: ClaimState, date: Date): number {
  return date.getTime() - state.startedAt.getTime();
}
