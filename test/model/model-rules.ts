import type { Status } from '../../src/domain/index.js';
import {
  APPLIED,
  type Expected,
  fence,
  fill,
  inBackoff,
  isTerminal,
  type Item,
  type LedgerModel,
  MODEL_THRESHOLD_MS,
  move,
  moveTo,
  type Policy,
  RECORDED,
  refused,
  UNCHANGED,
} from './model.js';

/**
 * What the ledger must answer to each request, applied to the model: docs/domain.md's rules
 * and the retry policy of issue 13, command by command, written out by hand.
 */

/** The wait before the attempt after `attempt`: initialDelayMs, times backoffFactor per further attempt, at most maxDelayMs. */
export function backoff(policy: Policy, attempt: number): number {
  let wait = policy.initialDelayMs;
  for (let n = 1; n < attempt; n += 1) wait *= policy.backoffFactor;
  return Math.min(wait, policy.maxDelayMs);
}

export function gaveUp(attempts: number, lastError: string | null): string {
  return `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastError ?? 'no error given'}`;
}

/** Opens the next attempt under the item's policy, or fails it when the policy has none left. */
function retryOrGiveUp(m: LedgerModel, item: Item, policy: Policy, lastError: string | null): 'requeued' | 'exhausted' {
  if (item.attempt >= policy.maxAttempts) {
    moveTo(m, item, 'failed', gaveUp(item.attempt, lastError));
    return 'exhausted';
  }
  moveTo(m, item, 'queued', null, m.now + backoff(policy, item.attempt));
  return 'requeued';
}

export function dispatch(m: LedgerModel, item: Item, attempt?: number): Expected {
  const fenced = fence(item, attempt);
  if (fenced !== null) return fenced;
  if (inBackoff(m, item)) return refused('not_available');
  return move(m, item, 'dispatched', null);
}

/** setStatus in_progress: the agent's own start; leaving input_required is the caller's resume. */
export function start(m: LedgerModel, item: Item, attempt?: number): Expected {
  const fenced = fence(item, attempt);
  if (fenced !== null) return fenced;
  if (item.status === 'input_required') return refused('not_allowed');
  if (inBackoff(m, item)) return refused('not_available');
  return move(m, item, 'in_progress', null);
}

export function beat(m: LedgerModel, item: Item, attempt?: number): Expected {
  const fenced = fence(item, attempt);
  if (fenced !== null) return fenced;
  if (item.status === 'in_progress') {
    item.lastSign = m.now;
    return RECORDED;
  }
  // A parked agent may keep beating: nothing to record.
  if (item.status === 'input_required') return UNCHANGED;
  if (inBackoff(m, item)) return refused('not_available');
  return move(m, item, 'in_progress', null);
}

/** Complete, cancel and reject: terminal moves whose replay may fill the detail. */
export function end(m: LedgerModel, item: Item, to: 'completed' | 'cancelled' | 'rejected', attempt: number | undefined, detail: string | null): Expected {
  const fenced = fence(item, attempt);
  if (fenced !== null) return fenced;
  if (item.status === to) return fill(item, detail);
  return move(m, item, to, detail);
}

/** A failure ends the attempt; a retryable one under a policy opens the next, unless the deadline passed. */
export function fail(m: LedgerModel, item: Item, attempt: number | undefined, error: string | null, retryable: boolean): Expected {
  const fenced = fence(item, attempt);
  if (fenced !== null) return fenced;
  if (item.status === 'failed') return fill(item, error);
  const retrying = retryable && item.policy !== null && !isTerminal(item.status) && item.status !== 'queued';
  if (!retrying || m.now > item.deadline) return move(m, item, 'failed', error);
  retryOrGiveUp(m, item, item.policy as Policy, error);
  return APPLIED;
}

export function requestInput(m: LedgerModel, item: Item, attempt: number | undefined, question: string | null): Expected {
  const fenced = fence(item, attempt);
  if (fenced !== null) return fenced;
  if (item.status === 'input_required') return fill(item, question);
  if (!isTerminal(item.status) && item.status !== 'in_progress') return refused('not_allowed');
  return move(m, item, 'input_required', question);
}

export function resume(m: LedgerModel, item: Item): Expected {
  if (item.status === 'in_progress') return UNCHANGED;
  if (isTerminal(item.status)) return refused('terminal');
  if (item.status !== 'input_required') return refused('not_allowed');
  moveTo(m, item, 'in_progress', null);
  return APPLIED;
}

/** The operator's retry: only a stuck delegation whose deadline has not passed, available at once. */
export function operatorRetry(m: LedgerModel, item: Item): Expected {
  if (item.status === 'queued') return UNCHANGED;
  if (isTerminal(item.status)) return refused('terminal');
  if (item.status !== 'stuck') return refused('not_allowed');
  if (m.now > item.deadline) return refused('not_allowed');
  moveTo(m, item, 'queued', null, null);
  return APPLIED;
}

/** Up to `limit` queued delegations for the callee, past their backoff and not past their deadline, oldest first. */
export function claim(m: LedgerModel, calleeId: string, limit: number): Item[] {
  const claimable = m.items
    .filter((item) => item.status === 'queued' && item.calleeId === calleeId && !inBackoff(m, item) && m.now <= item.deadline)
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
    .slice(0, limit);
  for (const item of claimable) moveTo(m, item, 'dispatched', null);
  return claimable;
}

/** The heartbeat answer: stop and why, from what the beat was told. */
export function stopOf(item: Item, expected: Expected): { stop: boolean; reason: string | null } {
  if (expected.outcome !== 'refused') return { stop: false, reason: null };
  if (isTerminal(item.status)) return { stop: true, reason: item.status };
  return { stop: true, reason: expected.reason === 'stale_attempt' ? 'superseded' : (expected.reason as string) };
}

export type ModelSweep = { deadlineFailures: number; stuckMarked: number; requeued: number; retriesExhausted: number; errors: 0; scanned: number };

/**
 * Grace only after a real outage: a sweep with no sweep before it within outageGapMs starts one,
 * and the stale rules (stuck, and the requeue of stuck) wait one bootGraceMs from it.
 */
function staleRuleActive(m: LedgerModel): boolean {
  if (m.bootGraceMs === 0) return true;
  if (m.lastSweep === null || m.now - m.lastSweep > m.outageGapMs) m.graceFrom = m.now;
  return m.graceFrom === null || m.now - m.graceFrom >= m.bootGraceMs;
}

/** One sweep: each in-flight delegation gets at most one verdict, the deadline first. */
export function sweep(m: LedgerModel): ModelSweep {
  const active = staleRuleActive(m);
  const tally = { deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0 };
  for (const item of m.items) {
    const verdict = sweepItem(m, item, active);
    if (verdict !== null) tally[verdict] += 1;
  }
  m.lastSweep = m.now;
  const scanned = tally.deadlineFailures + tally.stuckMarked + tally.requeued + tally.retriesExhausted;
  return { ...tally, errors: 0, scanned };
}

function sweepItem(m: LedgerModel, item: Item, staleActive: boolean): 'deadlineFailures' | 'stuckMarked' | 'requeued' | 'retriesExhausted' | null {
  if (isTerminal(item.status)) return null;
  if (m.now > item.deadline) {
    moveTo(m, item, 'failed', 'deadline exceeded');
    return 'deadlineFailures';
  }
  if (!staleActive) return null;
  if (item.status === 'stuck') {
    const policy = item.policy;
    if (policy === null || policy.requeueStuckAfterMs === null || m.now - item.changedAt < policy.requeueStuckAfterMs) return null;
    return retryOrGiveUp(m, item, policy, item.detail) === 'requeued' ? 'requeued' : 'retriesExhausted';
  }
  const watched: readonly Status[] = ['dispatched', 'in_progress'];
  if (!watched.includes(item.status) || item.lastSign === null) return null;
  const silentMs = m.now - item.lastSign;
  if (silentMs <= (item.timeoutMs ?? MODEL_THRESHOLD_MS)) return null;
  moveTo(m, item, 'stuck', `no heartbeat for ${Math.round(silentMs / 1000)}s`);
  return 'stuckMarked';
}
