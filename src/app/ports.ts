import type { Classification, Delegation, DelegationEvent, EventType, GraceRules, Status, StoredEvent, SweepPolicy } from '../domain/index.js';

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

/** The reads and writes that need the time, each stamped with a time read after its call. */
export interface TimedAccess {
  /** The delegation (null when there is none) and the time, read together. */
  loadWithTime(delegationId: string): Promise<{ readonly delegation: Delegation | null; readonly now: Date }>;
  /** recordHeartbeats at the time of the write. */
  recordHeartbeatsNow(beats: readonly HeartbeatWrite[]): Promise<Delegation[]>;
}

export type DueDelegation = {
  readonly delegationId: string;
  readonly verdict: Exclude<Classification, { kind: 'healthy' }>;
};

export type SweepTally = {
  readonly deadlineFailures: number;
  readonly stuckMarked: number;
  /** Stuck delegations requeued by their retry policy (requeueStuckAfterMs passed, attempts left). */
  readonly requeued: number;
  /** Stuck delegations failed because their policy had no attempt left. */
  readonly retriesExhausted: number;
  /** Rows the sweep found due; more than the two counts above only when a competitor got there first. */
  readonly scanned: number;
  readonly events: readonly StoredEvent[];
  /** The page was full: more due rows may be waiting for the next page. */
  readonly more: boolean;
};

/**
 * Which due rows one sweep page may move: every due row but `exclude` (rows this sweep could
 * not move), or only the due rows among `only` (a part of a rejected page, being isolated).
 */
export type SweepScope = {
  readonly exclude?: readonly string[] | undefined;
  readonly only?: readonly string[] | undefined;
};

/** A sweep's start, decided by the store from the ledger's sweep history (sweepGrace). */
export type SweepStart = {
  readonly staleRuleActive: boolean;
  /** When the grace period in force (or the last one) began; null if none ever did. */
  readonly graceFrom: Date | null;
};

export type ClaimRequest = {
  readonly calleeId: string;
  /** At most this many, oldest (created_at, then id) first. */
  readonly limit: number;
  readonly now: Date;
  readonly actor: string;
};

export type ClaimResult = { readonly delegations: readonly Delegation[]; readonly events: readonly StoredEvent[] };

export type ListQuery = {
  readonly statuses: readonly Status[];
  readonly limit: number;
  readonly callerId?: string | undefined;
  readonly calleeId?: string | undefined;
  readonly createdAfter?: Date | undefined;
  readonly createdBefore?: Date | undefined;
  /** Rows after this one in the order newest first, ties by id ascending. */
  readonly after?: { readonly createdAt: Date; readonly delegationId: string } | undefined;
};

/** The delegation store: an event log plus the current state, written together. */
export interface DelegationStore {
  /** Writes a new stream (its created event and row) unless the id or (caller, idempotency key) is taken. */
  insert(delegation: Delegation, event: DelegationEvent): Promise<InsertResult>;
  /** Appends events and writes the projection in one transaction; throws ConcurrencyError on a lost race. */
  append(request: AppendRequest): Promise<{ delegation: Delegation; events: StoredEvent[] }>;
  /**
   * Records plain heartbeats on running delegations (status in_progress, matching attempt) in one
   * write; the ledger sends each delegation at most once per call.
   */
  recordHeartbeats(beats: readonly HeartbeatWrite[], now: Date): Promise<Delegation[]>;
  /**
   * The store's own timed access when `clock` reads the store's database (the database clock):
   * its statements read the time themselves, so the time costs no round trip of its own.
   * Absent, or undefined for that clock: the ledger reads the clock, then the store.
   */
  timedBy?(clock: Clock): TimedAccess | undefined;
  load(delegationId: string): Promise<Delegation | null>;
  history(delegationId: string): Promise<StoredEvent[]>;
  list(query: ListQuery): Promise<Delegation[]>;
  countByStatus(): Promise<Record<Status, number>>;
  /**
   * Moves up to `limit` queued delegations addressed to `calleeId` whose backoff is over
   * (availableAt null or not after `now`) and whose deadline has not passed to dispatched,
   * oldest first, with one `dispatched` event each; rows a concurrent claimer holds are
   * skipped, so no delegation is claimed twice.
   */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /**
   * Decides grace for a sweep at `now` from the ledger's sweep history by sweepGrace, and
   * records a grace period it starts, atomically: every sweeper on the store shares it.
   */
  beginSweep(now: Date, rules: GraceRules): Promise<SweepStart>;
  /** What a sweep at `now` would change, by the rules of classifyDelegation. */
  findDue(now: Date, policy: SweepPolicy): Promise<DueDelegation[]>;
  /**
   * Applies those changes to one page of due rows (at most the store's batch size, within
   * `scope`), each guarded so a row that moved meanwhile is left alone, and records the sweep
   * as completed at `now` (the history beginSweep reads). A page the database refuses as a
   * whole (a statement error, not a lost connection) moves nothing and throws
   * SweepPageRejectedError naming the page's rows, so the caller can isolate the culprit.
   */
  sweep(now: Date, policy: SweepPolicy, actor: string, scope?: SweepScope): Promise<SweepTally>;
  /** Delegations in id order after `afterId`, each with its whole stream: what verification folds. */
  scan(afterId: string | null, limit: number): Promise<StreamSnapshot[]>;
  /**
   * Deletes up to `limit` terminal delegations last updated before `before` (oldest first, after
   * `after`), with their events, in one short transaction. Skips a row another transaction holds,
   * and a delegation with an event past the lowest subscription checkpoint (a consumer has not
   * read it yet).
   */
  pruneBatch(before: Date, limit: number, after: PruneCursor | null): Promise<PruneBatch>;
  /** What a prune at `before` could delete now, and the subscriptions that hold back the rest. */
  pruneSurvey(before: Date): Promise<PruneSurvey>;
  close(): Promise<void>;
}

export type PruneBatch = {
  readonly delegations: number;
  readonly events: number;
  /** The batch found as many due delegations as it was allowed: more may wait. */
  readonly more: boolean;
  /**
   * Where the next batch of the same prune starts: past every row this one looked at, so a prune
   * never walks again over the index entries of rows it deleted (dead until vacuum) or skipped.
   */
  readonly next: PruneCursor | null;
};

/** A place in the oldest-first order of due delegations: (updatedAt, delegationId). */
export type PruneCursor = { readonly updatedAt: Date; readonly delegationId: string };

/** A subscription whose checkpoint is behind an event of a delegation that is otherwise due for pruning. */
export type RetentionHold = { readonly subscription: string; readonly position: number };

export type PruneSurvey = Pick<PruneBatch, 'delegations' | 'events'> & { readonly heldBackBy: readonly RetentionHold[] };

export type StreamSnapshot = { readonly delegation: Delegation; readonly events: readonly StoredEvent[] };

export type LogFields = Readonly<Record<string, unknown>>;

/** Where randomness comes from (the backoff's jitter): seeded in tests and simulations. */
export interface RandomSource {
  /** A number in [0, 1). */
  next(): number;
}

/** Where every timer comes from, so a virtual clock can run timers without real waiting. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export type TimerHandle = { readonly id: unknown };

/** Structured, one event per line. Same argument order as pino. */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  child(fields: LogFields): Logger;
}

/** What a subscription asks the event feed for; see SubscribeOptions for the meaning of each field. */
export type FeedRequest = {
  readonly name: string;
  /** Where a subscription without a checkpoint starts: after this position, or after the current end. */
  readonly startAfter: number | 'end';
  readonly types: readonly EventType[] | null;
  readonly transactional: boolean;
  /** False: the position is kept by the cursor only (a tail), nothing is written. */
  readonly durable: boolean;
};

/** Receives one batch; `transaction` is the open database transaction in transactional mode, else null. */
export type BatchHandler = (events: readonly StoredEvent[], transaction: unknown) => Promise<void>;

export type BatchOutcome = {
  readonly delivered: number;
  /** The checkpoint after this call: everything up to it was handled or filtered out. */
  readonly checkpoint: number;
  /** The batch was full: more settled events are waiting. */
  readonly more: boolean;
  /** Newer positions exist that a transaction still in flight could precede: ask again soon. */
  readonly unsettled: boolean;
};

/** One subscription's reader: delivers settled events in position order and moves its checkpoint. */
export interface FeedCursor {
  /**
   * Reads up to `limit` settled events after the checkpoint, hands them to `handle` and saves the
   * checkpoint after them (in one transaction when the request is transactional). When `handle`
   * throws, the checkpoint stays and the error propagates.
   */
  next(limit: number, handle: BatchHandler): Promise<BatchOutcome>;
  close(): Promise<void>;
}

/** The event log as subscribers read it, with a wake-up when events are appended. */
export interface EventFeed {
  /** Whether a handler can write in the checkpoint's transaction (database stores only). */
  readonly supportsTransactions: boolean;
  open(request: FeedRequest): FeedCursor;
  /** A mark to pass to waitForAppend: appends after it wake the waiter at once. */
  mark(): number;
  /** Resolves when events may have been appended since `since`, after `timeoutMs`, or on abort. */
  waitForAppend(since: number, timeoutMs: number, abort: AbortSignal): Promise<void>;
  /** The head of the log and every saved checkpoint: how far behind each subscription is. */
  progress(): Promise<FeedProgress>;
}

/** The log's last position (0 when empty) and each durable subscription's checkpoint. */
export type FeedProgress = {
  readonly head: number;
  readonly subscriptions: readonly { readonly name: string; readonly position: number; readonly updatedAt: Date | null }[];
};
