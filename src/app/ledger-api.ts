import type { Delegation, RefusalReason, Status, StoredEvent } from '../domain/index.js';

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
};

export type SetStatusOptions = {
  readonly errorDetail?: string | undefined;
  readonly resultPreview?: string | undefined;
  readonly actor?: string | undefined;
  readonly attempt?: number | undefined;
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

/** A heartbeat's answer; `stop` tells the agent its work is over (terminal, superseded or unknown). */
export type HeartbeatOutcome = (TransitionOutcome | { readonly outcome: 'recorded'; readonly delegation: Delegation }) & {
  readonly stop: boolean;
};

export type StatusFilter = Status | 'in_flight' | 'terminal' | 'all';

export type ListOptions = {
  /** Default 'in_flight' (DEFAULT_LIST_STATUS), as the CLI's and HTTP's list. */
  readonly status?: StatusFilter | undefined;
  readonly limit?: number | undefined;
};

export type SweepResult = {
  readonly deadlineFailures: number;
  readonly stuckMarked: number;
  readonly errors: number;
  readonly scanned: number;
};

/** The ledger, as hosts and outward faces drive it. */
export interface Ledger {
  create(input: CreateInput): Promise<Delegation>;
  setStatus(delegationId: string, status: Status, options?: SetStatusOptions): Promise<TransitionOutcome>;
  heartbeat(delegationId: string, options?: HeartbeatOptions): Promise<HeartbeatOutcome>;
  heartbeatMany(delegationIds: readonly string[]): Promise<HeartbeatOutcome[]>;
  retry(delegationId: string, options?: { actor?: string }): Promise<TransitionOutcome>;
  cancel(delegationId: string, options?: { reason?: string | undefined; actor?: string | undefined }): Promise<TransitionOutcome>;
  get(delegationId: string): Promise<Delegation | null>;
  history(delegationId: string): Promise<StoredEvent[]>;
  list(options?: ListOptions): Promise<Delegation[]>;
  stats(): Promise<Record<Status, number>>;
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
  sweep(): Promise<SweepResult>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
