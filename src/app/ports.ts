import type {
  Classification,
  Delegation,
  DelegationEvent,
  Status,
  StoredEvent,
  SweepPolicy,
} from '../domain/index.js';

/** Where every timestamp comes from. Stores with a database use the database's clock by default. */
export interface Clock {
  now(): Date | Promise<Date>;
}

export type InsertResult =
  | { readonly inserted: true; readonly delegation: Delegation; readonly event: StoredEvent }
  | { readonly inserted: false; readonly conflict: 'delegation_id' | 'idempotency_key'; readonly existing: Delegation };

export type AppendRequest = {
  readonly delegationId: string;
  /** The version the decision was made on; the write fails with ConcurrencyError if the stream moved. */
  readonly expectedVersion: number;
  readonly events: readonly DelegationEvent[];
  /** The state after the events (evolve). Heartbeat fields merge with what the row holds. */
  readonly next: Delegation;
};

export type HeartbeatWrite = {
  readonly delegationId: string;
  readonly attempt?: number | undefined;
  readonly progress: number | null;
};

export type DueDelegation = {
  readonly delegationId: string;
  readonly verdict: Exclude<Classification, { kind: 'healthy' }>;
};

export type SweepTally = {
  readonly deadlineFailures: number;
  readonly stuckMarked: number;
  /** Rows the sweep found due; more than the two counts above only when a competitor got there first. */
  readonly scanned: number;
  readonly events: readonly StoredEvent[];
};

export type ListQuery = {
  readonly statuses: readonly Status[];
  readonly limit: number;
};

/** The delegation store: an event log plus the current state, written together. */
export interface DelegationStore {
  /** Writes a new stream (its created event and row) unless the id or (caller, idempotency key) is taken. */
  insert(delegation: Delegation, event: DelegationEvent): Promise<InsertResult>;
  /** Appends events and writes the projection in one transaction; throws ConcurrencyError on a lost race. */
  append(request: AppendRequest): Promise<{ delegation: Delegation; events: StoredEvent[] }>;
  /** Records plain heartbeats on running delegations (status in_progress, matching attempt) in one write. */
  recordHeartbeats(beats: readonly HeartbeatWrite[], now: Date): Promise<Delegation[]>;
  load(delegationId: string): Promise<Delegation | null>;
  history(delegationId: string): Promise<StoredEvent[]>;
  list(query: ListQuery): Promise<Delegation[]>;
  countByStatus(): Promise<Record<Status, number>>;
  /** What a sweep at `now` would change, by the rules of classifyDelegation. */
  findDue(now: Date, policy: SweepPolicy): Promise<DueDelegation[]>;
  /** Applies those changes, each guarded so a row that moved meanwhile is left alone. */
  sweep(now: Date, policy: SweepPolicy, actor: string): Promise<SweepTally>;
  /** Delegations in id order after `afterId`, each with its whole stream: what verification folds. */
  scan(afterId: string | null, limit: number): Promise<StreamSnapshot[]>;
  close(): Promise<void>;
}

export type StreamSnapshot = { readonly delegation: Delegation; readonly events: readonly StoredEvent[] };

export type LogFields = Readonly<Record<string, unknown>>;

/** Structured, one event per line. Same argument order as pino. */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  child(fields: LogFields): Logger;
}
