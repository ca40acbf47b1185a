import type { RequeueReason, RetryPolicy } from './retry.js';
import type { Status } from './status.js';

export const EVENT_TYPES = [
  'created',
  'dispatched',
  'started',
  'marked_stuck',
  'recovered',
  'requeued',
  'input_requested',
  'resumed',
  'completed',
  'failed',
  'cancelled',
  'rejected',
  'detail_recorded',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

type EventOf<T extends EventType, D> = {
  readonly type: T;
  readonly delegationId: string;
  /** The attempt the event belongs to (a requeue carries the new one). */
  readonly attempt: number;
  /** Null only for `created`, which has no previous status. */
  readonly fromStatus: Status | null;
  readonly toStatus: Status;
  readonly actor: string;
  readonly occurredAt: Date;
  readonly data: D;
};

export type DelegationCreated = EventOf<
  'created',
  {
    callerId: string;
    calleeId: string;
    taskPreview: string;
    deadline: string;
    heartbeatTimeoutMs: number | null;
    idempotencyKey: string | null;
    /** Absent in streams written before retry policies existed: read as null. */
    retry?: RetryPolicy | null;
  }
>;
export type DelegationDispatched = EventOf<'dispatched', Record<string, never>>;
export type DelegationStarted = EventOf<'started', { viaHeartbeat: boolean; progress?: number }>;
export type DelegationMarkedStuck = EventOf<'marked_stuck', { detail: string; silentForMs: number | null }>;
export type DelegationRecovered = EventOf<'recovered', { viaHeartbeat: boolean; progress?: number }>;
/**
 * Attempt n+1 was opened. Streams written before retry policies carry `{}`: an operator's
 * retry, available at once.
 */
export type DelegationRequeued = EventOf<
  'requeued',
  {
    reason?: RequeueReason;
    /** ISO time before which the attempt is not dispatched; null: at once. */
    availableAt?: string | null;
    /** The failure (or the stuck detail) that ended the previous attempt. */
    error?: string | null;
  }
>;
/** The agent waits on its caller; `question` is what it asks. */
export type DelegationInputRequested = EventOf<'input_requested', { question: string | null }>;
/** The caller answered; the agent goes on. */
export type DelegationResumed = EventOf<'resumed', { answer: string | null }>;
export type DelegationCompleted = EventOf<'completed', { result: string | null }>;
export type DelegationFailed = EventOf<'failed', { error: string | null }>;
export type DelegationCancelled = EventOf<'cancelled', { reason: string | null }>;
/** The agent declined the task. */
export type DelegationRejected = EventOf<'rejected', { reason: string | null }>;
/** A same-status replay filled a detail that was still empty (never overwrites one). */
export type DelegationDetailRecorded = EventOf<'detail_recorded', { result?: string; error?: string }>;

export type DelegationEvent =
  | DelegationCreated
  | DelegationDispatched
  | DelegationStarted
  | DelegationMarkedStuck
  | DelegationRecovered
  | DelegationRequeued
  | DelegationInputRequested
  | DelegationResumed
  | DelegationCompleted
  | DelegationFailed
  | DelegationCancelled
  | DelegationRejected
  | DelegationDetailRecorded;

/** An event as the store keeps it: numbered per delegation and globally. */
export type StoredEvent = DelegationEvent & {
  readonly version: number;
  readonly position: number;
};

export const DEADLINE_EXCEEDED = 'deadline exceeded';

export function staleDetail(silentForMs: number): string {
  // Rounded to the nearest second with integer arithmetic so SQL can produce the same text.
  return `no heartbeat for ${Math.floor((silentForMs + 500) / 1000)}s`;
}
