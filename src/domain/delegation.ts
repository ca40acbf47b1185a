import type { RetryPolicy } from './retry.js';
import type { Status } from './status.js';

/** Fields every delegation has, whatever its status. */
export type DelegationCore = {
  readonly delegationId: string;
  readonly callerId: string;
  readonly calleeId: string;
  readonly taskPreview: string;
  /** 1 for the first run; a retry opens attempt n+1. */
  readonly attempt: number;
  /** Number of events in the stream; the optimistic-concurrency token. */
  readonly version: number;
  readonly deadline: Date;
  /** Per-delegation stuck threshold; null means the sweeper's default. */
  readonly heartbeatTimeoutMs: number | null;
  readonly idempotencyKey: string | null;
  /** Last heartbeat of the current attempt (projection only: heartbeats are not events). */
  readonly lastHeartbeat: Date | null;
  /** When the current attempt last showed life through a status change (dispatch, start, recovery). */
  readonly activeSince: Date | null;
  /** Highest progress the agent reported in this attempt. */
  readonly progress: number | null;
  /** The retry policy fixed at create (the caller's or the configured default); null: no automatic retry. */
  readonly retry: RetryPolicy | null;
  /** A requeued attempt is not dispatched, claimed or started before this (its backoff); null: at once. */
  readonly availableAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

type Variant<S extends Status, R extends string | null, E extends string | null> = DelegationCore & {
  readonly status: S;
  readonly resultPreview: R;
  readonly errorDetail: E;
};

export type QueuedDelegation = Variant<'queued', null, null>;
export type DispatchedDelegation = Variant<'dispatched', null, null>;
export type InProgressDelegation = Variant<'in_progress', null, null>;
/** errorDetail holds the agent's question to its caller. */
export type InputRequiredDelegation = Variant<'input_required', null, string | null>;
/** errorDetail says why it was marked stuck ("no heartbeat for 612s"). */
export type StuckDelegation = Variant<'stuck', null, string>;
/** The result may arrive after the status (a replay fills it once). */
export type CompletedDelegation = Variant<'completed', string | null, null>;
export type FailedDelegation = Variant<'failed', null, string | null>;
/** errorDetail carries the cancellation reason, when one was given. */
export type CancelledDelegation = Variant<'cancelled', null, string | null>;
/** errorDetail carries the agent's reason for declining, when one was given. */
export type RejectedDelegation = Variant<'rejected', null, string | null>;

export type Delegation =
  | QueuedDelegation
  | DispatchedDelegation
  | InProgressDelegation
  | InputRequiredDelegation
  | StuckDelegation
  | CompletedDelegation
  | FailedDelegation
  | CancelledDelegation
  | RejectedDelegation;
