import { type Delegation, type RefusalReason, type RetryPolicy, type Status, type StoredEvent, TERMINAL_STATUSES } from '../domain/index.js';
import type { SkippedRow } from './sweep-pages.js';

export type CreateInput = {
  readonly callerId: string;
  readonly calleeId: string;
  readonly task: string;
  /** Defaults to now + the configured default deadline (6 h). */
  readonly deadline?: Date | string | number | undefined;
  /** Per-delegation stuck threshold, for runtimes that beat faster or slower than the default assumes. */
  readonly heartbeatTimeoutMs?: number | undefined;
  /** A repeated create with the same (callerId, idempotencyKey) returns the existing delegation. */
  readonly idempotencyKey?: string | undefined;
  /** Caller-chosen id; a UUID is generated when absent. */
  readonly delegationId?: string | undefined;
  /**
   * Automatic retries for this delegation: fields left out take DEFAULT_RETRY_POLICY's values;
   * null turns off a configured default. Absent: the configured default (none unless set).
   */
  readonly retry?: Partial<RetryPolicy> | null | undefined;
};

export type SetStatusOptions = {
  readonly errorDetail?: string | undefined;
  readonly resultPreview?: string | undefined;
  readonly actor?: string | undefined;
  readonly attempt?: number | undefined;
  /** With status failed: the agent says another attempt may succeed (requeued under a retry policy). */
  readonly retryable?: boolean | undefined;
};

export type HeartbeatOptions = {
  readonly attempt?: number | undefined;
  readonly progress?: number | undefined;
};

export type TransitionOutcome =
  | { readonly outcome: 'applied'; readonly delegation: Delegation; readonly event: StoredEvent }
  | { readonly outcome: 'unchanged'; readonly delegation: Delegation }
  | {
      readonly outcome: 'refused';
      readonly reason: RefusalReason;
      readonly message: string;
      readonly delegation: Delegation;
    }
  | { readonly outcome: 'not_found'; readonly delegationId: string };

/**
 * Why a heartbeat tells its agent to stop: the delegation ended (its terminal status), a newer
 * attempt exists (superseded), the named attempt never existed, the attempt is still in its retry
 * backoff, or there is no such delegation.
 */
export const STOP_REASONS = [...TERMINAL_STATUSES, 'superseded', 'unknown_attempt', 'not_available', 'not_found'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/**
 * A heartbeat's answer is the agent's control channel: whether to go on (`stop`), and if not
 * why (`reason`); with the delegation's deadline and current attempt, so the agent knows its
 * remaining budget. `outcome` says what the beat did; a refused beat carries the refusal.
 */
export type HeartbeatOutcome = HeartbeatGoOn | HeartbeatStop;

/** What the beat did: recorded (a plain beat), applied (it started or recovered the run), unchanged (nothing to record: input_required), refused, not_found. */
type HeartbeatAnswer =
  | { readonly outcome: 'recorded' | 'unchanged' }
  | { readonly outcome: 'applied'; readonly event: StoredEvent }
  /** Why the ledger refused the beat, as setStatus would report it. */
  | { readonly outcome: 'refused'; readonly refusal: { readonly reason: RefusalReason; readonly message: string } }
  | { readonly outcome: 'not_found' };

export type HeartbeatGoOn = HeartbeatAnswer & {
  readonly stop: false;
  /** The silence the sweeper allows before it marks this delegation stuck: its own timeout or the ledger's threshold. */
  readonly heartbeatTimeoutMs: number;
  readonly reason: null;
  readonly delegation: Delegation;
  readonly status: Status;
  readonly deadline: Date;
  readonly attempt: number;
};

export type HeartbeatStop = HeartbeatAnswer & {
  readonly stop: true;
  /** Null only when there is no such delegation. */
  readonly heartbeatTimeoutMs: number | null;
  readonly reason: StopReason;
  /** Null only when there is no such delegation (reason not_found). */
  readonly delegation: Delegation | null;
  readonly status: Status | null;
  readonly deadline: Date | null;
  readonly attempt: number | null;
};

/** One beat of a batch: an id alone (taken as the current attempt's), or with the attempt it comes from. */
export type HeartbeatTarget = string | { readonly delegationId: string; readonly attempt?: number | undefined };

export type ClaimOptions = {
  readonly calleeId: string;
  /** How many at most; default 1, at most MAX_CLAIM_LIMIT. */
  readonly limit?: number | undefined;
  readonly actor?: string | undefined;
};

export type WaitForOptions = {
  /** Rejects with WaitTimeoutError after this long; default: no limit. */
  readonly timeoutMs?: number | undefined;
  /** Rejects with the signal's reason when it aborts. */
  readonly signal?: AbortSignal | undefined;
  /** Statuses to wait for besides the terminal ones (input_required, for a caller that answers). */
  readonly until?: readonly Status[] | undefined;
};

export type StatusFilter = Status | 'in_flight' | 'terminal' | 'all';

/** Where a page of `list` ended: the last row's creation time and id (the order is newest first, ties by id). */
export type ListPosition = { readonly createdAt: Date | string | number; readonly delegationId: string };

export type ListOptions = {
  /** Default 'in_flight' (DEFAULT_LIST_STATUS), as the CLI's and HTTP's list. */
  readonly status?: StatusFilter | undefined;
  readonly limit?: number | undefined;
  readonly callerId?: string | undefined;
  readonly calleeId?: string | undefined;
  /** Only delegations created strictly after this time. */
  readonly createdAfter?: Date | string | number | undefined;
  /** Only delegations created strictly before this time. */
  readonly createdBefore?: Date | string | number | undefined;
  /** The next page: the rows that come after this one in the list's order (keyset, so rows inserted meanwhile shift nothing). */
  readonly after?: ListPosition | undefined;
};

export type SweepResult = {
  readonly deadlineFailures: number;
  readonly stuckMarked: number;
  /** Stuck delegations requeued by their retry policy. */
  readonly requeued: number;
  /** Stuck delegations failed with their policy's attempts spent. */
  readonly retriesExhausted: number;
  readonly errors: number;
  readonly scanned: number;
  /** Due delegations the database refused to move (a trigger, a check); the next sweep tries them again. */
  readonly skipped: readonly SkippedRow[];
};

export type PruneOptions = {
  /** The horizon: terminal delegations that ended (last changed) more than this long ago go. */
  readonly olderThanMs: number;
  /** Delegations deleted per transaction; default DEFAULT_PRUNE_BATCH, at most MAX_PRUNE_BATCH. */
  readonly batchSize?: number | undefined;
  /**
   * After each batch that leaves more to do, rest this many times as long as the batch took,
   * so transitions keep most of the database: default DEFAULT_PRUNE_REST (2: a third of the
   * time busy); 0 prunes flat out.
   */
  readonly restRatio?: number | undefined;
  /** Count what would go, delete nothing. */
  readonly dryRun?: boolean | undefined;
  /** Stops between batches: what was deleted stays deleted, the rest waits for the next prune. */
  readonly signal?: AbortSignal | undefined;
};

export type PruneResult = {
  /** Delegations whose last change is before this were due. */
  readonly horizon: Date;
  readonly dryRun: boolean;
  readonly delegationsDeleted: number;
  readonly eventsDeleted: number;
  readonly batches: number;
  /** A dry run's count of what a prune would delete now; null on a real prune. */
  readonly wouldDelete: { readonly delegations: number; readonly events: number } | null;
  /** Subscriptions that have not read every event of a due delegation, which therefore stays; null when none (or aborted). */
  readonly heldBackBy: readonly { readonly subscription: string; readonly position: number }[] | null;
  /** The signal aborted before every due delegation was deleted. */
  readonly aborted: boolean;
};

/** The ledger, as hosts and outward faces drive it. */
export interface Ledger {
  create(input: CreateInput): Promise<Delegation>;
  setStatus(delegationId: string, status: Status, options?: SetStatusOptions): Promise<TransitionOutcome>;
  heartbeat(delegationId: string, options?: HeartbeatOptions): Promise<HeartbeatOutcome>;
  /** Many beats in one write, each answered as heartbeat() would; an entry that names its attempt is fenced. */
  heartbeatMany(beats: readonly HeartbeatTarget[]): Promise<HeartbeatOutcome[]>;
  retry(delegationId: string, options?: { actor?: string }): Promise<TransitionOutcome>;
  /** Moves up to `limit` queued delegations for `calleeId` to dispatched, oldest first, atomically. */
  claim(options: ClaimOptions): Promise<Delegation[]>;
  /** The agent asks its caller: in_progress -> input_required, the question as detail. */
  requestInput(delegationId: string, options: { question: string; attempt?: number | undefined; actor?: string | undefined }): Promise<TransitionOutcome>;
  /** The caller answers: input_required -> in_progress, the answer in the `resumed` event. */
  resume(delegationId: string, options?: { answer?: string | undefined; actor?: string | undefined }): Promise<TransitionOutcome>;
  /** The agent declines the task: dispatched or in_progress -> rejected. */
  reject(delegationId: string, options?: { reason?: string | undefined; attempt?: number | undefined; actor?: string | undefined }): Promise<TransitionOutcome>;
  /**
   * Resolves with the delegation once it is terminal (or in one of `until`), at once if it
   * already is; rejects with WaitTimeoutError, the signal's reason, DelegationNotFoundError
   * when there is no such delegation, or StoreClosedError when the store closes meanwhile.
   */
  waitFor(delegationId: string, options?: WaitForOptions): Promise<Delegation>;
  cancel(delegationId: string, options?: { reason?: string | undefined; actor?: string | undefined }): Promise<TransitionOutcome>;
  get(delegationId: string): Promise<Delegation | null>;
  history(delegationId: string): Promise<StoredEvent[]>;
  list(options?: ListOptions): Promise<Delegation[]>;
  stats(): Promise<Record<Status, number>>;
  /**
   * Retention: deletes terminal delegations that ended before now - olderThanMs, with their
   * events, in batches of one short transaction each. Never an in-flight delegation, never an
   * event a registered subscription has not passed (those wait; see heldBackBy). A pruned
   * delegation is gone for good: its id and its idempotency key may be used again.
   */
  prune(options: PruneOptions): Promise<PruneResult>;
}

export type LastSweep = { readonly at: Date; readonly result: SweepResult };

export interface Sweeper {
  readonly intervalMs: number;
  readonly thresholdMs: number;
  /** When the last sweep that reached the store ran, and what it did. */
  readonly lastSweep: LastSweep | null;
  readonly failedSweeps: number;
  /** Passes that ended, ok or failed: with failedSweeps, what a metric of sweeps by result counts. */
  readonly sweepsRun: number;
  /** Due rows the sweeps of this process could not move, summed over sweeps (a row refused twice counts twice). */
  readonly rowsSkipped: number;
  sweep(): Promise<SweepResult>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What waitFor runs on: every waiter of one store shares one reader of its event feed. */
export interface Waiters {
  wait(delegationId: string, options?: WaitForOptions): Promise<Delegation>;
  /** Rejects every pending waiter with StoreClosedError, and every later wait. */
  close(): Promise<void>;
}
