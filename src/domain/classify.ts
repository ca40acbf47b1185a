import { DEADLINE_EXCEEDED, staleDetail } from './events.js';
import { hasAttemptsLeft, type RetryPolicy, retriesExhaustedDetail } from './retry.js';
import { isTerminal, LIVENESS_CHECKED_STATUSES, type Status } from './status.js';

export type ClassifiableRow = {
  readonly status: Status;
  readonly deadline: Date;
  readonly lastHeartbeat: Date | null;
  readonly activeSince: Date | null;
  readonly heartbeatTimeoutMs?: number | null;
  /** The retry policy and what it needs: a stuck row under one is requeued or given up. */
  readonly retry?: RetryPolicy | null;
  readonly attempt?: number;
  /** For a stuck row: when it was marked stuck (a status change is the last thing that moves it). */
  readonly updatedAt?: Date;
  readonly errorDetail?: string | null;
};

export type Classification =
  | { readonly kind: 'healthy' }
  | { readonly kind: 'deadline_exceeded'; readonly detail: string }
  | { readonly kind: 'stale_heartbeat'; readonly detail: string; readonly silentForMs: number }
  /** Stuck past its policy's requeueStuckAfterMs with attempts left: the sweeper opens the next attempt. */
  | { readonly kind: 'requeue_stuck' }
  /** Stuck past requeueStuckAfterMs with no attempt left: failed, naming the attempts. */
  | { readonly kind: 'retries_exhausted'; readonly detail: string };

const HEALTHY: Classification = { kind: 'healthy' };

/**
 * The moment the agent last showed life: its last heartbeat or, when it never
 * beat (or a status change came later), when it was dispatched, started or recovered.
 */
export function livenessReference(row: ClassifiableRow): Date | null {
  const { lastHeartbeat, activeSince } = row;
  if (lastHeartbeat === null) return activeSince;
  if (activeSince === null) return lastHeartbeat;
  // Stryker disable next-line EqualityOperator: equivalent: on a tie both are the same instant
  return lastHeartbeat.getTime() >= activeSince.getTime() ? lastHeartbeat : activeSince;
}

/** Pure: what the sweeper should do with `row` at `now`. */
export function classifyDelegation(now: Date, row: ClassifiableRow, thresholdMs: number): Classification {
  if (isTerminal(row.status)) return HEALTHY;
  // Deadline first: failed is the stronger statement, and it applies to every in-flight row.
  if (now.getTime() > row.deadline.getTime()) return { kind: 'deadline_exceeded', detail: DEADLINE_EXCEEDED };
  if (row.status === 'stuck') return stuckVerdict(now, row);
  // Queued rows wait for an agent, they are not silent; an agent in input_required may be parked.
  if (!(LIVENESS_CHECKED_STATUSES as readonly Status[]).includes(row.status)) return HEALTHY;
  const reference = livenessReference(row);
  if (reference === null) return HEALTHY;
  const silentForMs = now.getTime() - reference.getTime();
  const threshold = row.heartbeatTimeoutMs ?? thresholdMs;
  if (silentForMs <= threshold) return HEALTHY;
  return { kind: 'stale_heartbeat', detail: staleDetail(silentForMs), silentForMs };
}

/** A stuck row is already flagged; only a retry policy with requeueStuckAfterMs acts on it again. */
function stuckVerdict(now: Date, row: ClassifiableRow): Classification {
  const policy = row.retry ?? null;
  if (policy === null || policy.requeueStuckAfterMs === null || row.updatedAt === undefined) return HEALTHY;
  if (now.getTime() - row.updatedAt.getTime() < policy.requeueStuckAfterMs) return HEALTHY;
  const attempt = row.attempt ?? 1;
  if (hasAttemptsLeft(policy, attempt)) return { kind: 'requeue_stuck' };
  return { kind: 'retries_exhausted', detail: retriesExhaustedDetail(attempt, row.errorDetail ?? null) };
}

/** The sweeper's policy for one sweep: the default threshold and whether boot grace holds the stale rule back. */
export type SweepPolicy = {
  readonly thresholdMs: number;
  readonly staleRuleActive: boolean;
};

/**
 * classifyDelegation under grace: during grace only the deadline rule applies. The stuck rules
 * rest on the agent's silence too, which an outage of the platform explains, so they wait as well.
 */
export function sweepVerdict(now: Date, row: ClassifiableRow, policy: SweepPolicy): Classification {
  const verdict = classifyDelegation(now, row, policy.thresholdMs);
  return verdict.kind !== 'deadline_exceeded' && !policy.staleRuleActive ? HEALTHY : verdict;
}

/** What the store remembers of this ledger's sweeps, shared by every sweeper on it. */
export type SweepHistory = {
  /** When the last sweep that completed ran (its `now`); null before the first. */
  readonly lastCompletedAt: Date | null;
  /** When the current or last grace period began; null if none ever did. */
  readonly graceFrom: Date | null;
};

export type GraceRules = {
  /** How long the stale rule is held back after an outage; 0 disables grace. */
  readonly bootGraceMs: number;
  /** No completed sweep for longer than this before a sweep means the platform was down. */
  readonly outageGapMs: number;
};

/**
 * Grace only after a real outage. A sweep starts a grace period when no sweep of this ledger
 * completed within the outage gap before it (or none ever did) and no grace began since the last
 * completed sweep within the gap (another sweeper already started this one); the stale rule is held back until
 * one grace period after its start. A cron sweep every interval, or a replica joining running
 * ones, finds a recent completed sweep and gets none.
 */
export function sweepGrace(now: Date, history: SweepHistory, rules: GraceRules): { readonly graceFrom: Date | null; readonly staleRuleActive: boolean } {
  const { lastCompletedAt: last, graceFrom: began } = history;
  if (rules.bootGraceMs === 0) return { graceFrom: began, staleRuleActive: true };
  const outage = last === null || now.getTime() - last.getTime() > rules.outageGapMs;
  // A grace begun after the last completed sweep, and recently, belongs to this outage.
  const startedSinceLast = began !== null && (last === null || began.getTime() > last.getTime()) && now.getTime() - began.getTime() <= rules.outageGapMs;
  const graceFrom = outage && !startedSinceLast ? now : began;
  const staleRuleActive = graceFrom === null || now.getTime() - graceFrom.getTime() >= rules.bootGraceMs;
  return { graceFrom, staleRuleActive };
}
