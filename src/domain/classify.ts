import { DEADLINE_EXCEEDED, staleDetail } from './events.js';
import { isTerminal, LIVENESS_CHECKED_STATUSES, type Status } from './status.js';

export type ClassifiableRow = {
  readonly status: Status;
  readonly deadline: Date;
  readonly lastHeartbeat: Date | null;
  readonly activeSince: Date | null;
  readonly heartbeatTimeoutMs?: number | null;
};

export type Classification =
  | { readonly kind: 'healthy' }
  | { readonly kind: 'deadline_exceeded'; readonly detail: string }
  | { readonly kind: 'stale_heartbeat'; readonly detail: string; readonly silentForMs: number };

const HEALTHY: Classification = { kind: 'healthy' };

/**
 * The moment the agent last showed life: its last heartbeat or, when it never
 * beat (or a status change came later), when it was dispatched, started or recovered.
 */
export function livenessReference(row: ClassifiableRow): Date | null {
  const { lastHeartbeat, activeSince } = row;
  if (lastHeartbeat === null) return activeSince;
  if (activeSince === null) return lastHeartbeat;
  return lastHeartbeat.getTime() >= activeSince.getTime() ? lastHeartbeat : activeSince;
}

/** Pure: what the sweeper should do with `row` at `now`. */
export function classifyDelegation(now: Date, row: ClassifiableRow, thresholdMs: number): Classification {
  if (isTerminal(row.status)) return HEALTHY;
  // Deadline first: failed is the stronger statement, and it applies to every in-flight row.
  if (now.getTime() > row.deadline.getTime()) return { kind: 'deadline_exceeded', detail: DEADLINE_EXCEEDED };
  // Queued rows wait for an agent, they are not silent; stuck rows are already flagged.
  if (!(LIVENESS_CHECKED_STATUSES as readonly Status[]).includes(row.status)) return HEALTHY;
  const reference = livenessReference(row);
  if (reference === null) return HEALTHY;
  const silentForMs = now.getTime() - reference.getTime();
  const threshold = row.heartbeatTimeoutMs ?? thresholdMs;
  if (silentForMs <= threshold) return HEALTHY;
  return { kind: 'stale_heartbeat', detail: staleDetail(silentForMs), silentForMs };
}

/** The sweeper's policy for one sweep: the default threshold and whether boot grace holds the stale rule back. */
export type SweepPolicy = {
  readonly thresholdMs: number;
  readonly staleRuleActive: boolean;
};

/** classifyDelegation under boot grace: during grace only the deadline rule applies. */
export function sweepVerdict(now: Date, row: ClassifiableRow, policy: SweepPolicy): Classification {
  const verdict = classifyDelegation(now, row, policy.thresholdMs);
  return verdict.kind === 'stale_heartbeat' && !policy.staleRuleActive ? HEALTHY : verdict;
}
