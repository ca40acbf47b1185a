import type { Status } from '../../src/domain/index.js';

/**
 * The model of the ledger: docs/domain.md's rules written out by hand, as plainly as
 * possible, sharing no code with src/domain. Times are milliseconds.
 */
export const MODEL_THRESHOLD_MS = 60_000;

/** A retry policy with no jitter, so every backoff is exact. */
export type Policy = {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly backoffFactor: number;
  readonly maxDelayMs: number;
  readonly jitter: 0;
  readonly requeueStuckAfterMs: number | null;
};

export type Item = {
  readonly id: string;
  readonly key: string;
  readonly calleeId: string;
  readonly createdAt: number;
  readonly deadline: number;
  readonly timeoutMs: number | null;
  readonly policy: Policy | null;
  status: Status;
  attempt: number;
  /** Events in the stream. */
  version: number;
  /** When the status last changed (a filled detail is no change). */
  changedAt: number;
  /** Last sign of life of this attempt: dispatch, start, recovery, resume or a beat. */
  lastSign: number | null;
  /** A requeued attempt is not dispatched before this; null: at once. */
  availableAt: number | null;
  /** The result of a completed delegation, else its error, reason, question or stuck detail. */
  detail: string | null;
};

export type LedgerModel = {
  now: number;
  items: Item[];
  /** When the sweep before this one ran, and when the grace in force began. */
  lastSweep: number | null;
  graceFrom: number | null;
  readonly bootGraceMs: number;
  readonly outageGapMs: number;
  /** The configured policy of a delegation created without one. */
  readonly defaultRetry: Policy | null;
};
export type Expected = { outcome: 'applied' | 'unchanged' | 'refused' | 'recorded'; reason?: string };

export const STATUSES: readonly Status[] = ['queued', 'dispatched', 'in_progress', 'input_required', 'stuck', 'completed', 'failed', 'cancelled', 'rejected'];
export const TERMINAL: readonly Status[] = ['completed', 'failed', 'cancelled', 'rejected'];
// The transition table of docs/domain.md, copied by hand. `-> queued` from a running status is
// a retryable failure's; the operator's retry starts from stuck only.
export const EDGES: Record<Status, readonly Status[]> = {
  queued: ['dispatched', 'in_progress', 'stuck', 'completed', 'failed', 'cancelled'],
  dispatched: ['in_progress', 'stuck', 'completed', 'failed', 'cancelled', 'rejected', 'queued'],
  in_progress: ['stuck', 'input_required', 'completed', 'failed', 'cancelled', 'rejected', 'queued'],
  input_required: ['in_progress', 'completed', 'failed', 'cancelled', 'queued'],
  stuck: ['in_progress', 'completed', 'failed', 'cancelled', 'queued'],
  completed: [],
  failed: [],
  cancelled: [],
  rejected: [],
};
/** Statuses whose detail the row keeps; the others hold none. */
const WITH_DETAIL: readonly Status[] = ['input_required', 'stuck', ...TERMINAL];

export const isTerminal = (status: Status) => TERMINAL.includes(status);
export const APPLIED: Expected = { outcome: 'applied' };
export const UNCHANGED: Expected = { outcome: 'unchanged' };
export const RECORDED: Expected = { outcome: 'recorded' };
export const refused = (reason: string): Expected => ({ outcome: 'refused', reason });

export function fence(item: Item, attempt: number | undefined): Expected | null {
  if (attempt === undefined || attempt === item.attempt) return null;
  return refused(attempt < item.attempt ? 'stale_attempt' : 'unknown_attempt');
}

/** A requeued attempt in its backoff is not dispatched or started yet. */
export function inBackoff(m: LedgerModel, item: Item): boolean {
  return item.status === 'queued' && item.availableAt !== null && item.availableAt > m.now;
}

/** Applies a change of status; a move to queued opens the next attempt, available at `availableAt`. */
export function moveTo(m: LedgerModel, item: Item, to: Status, detail: string | null, availableAt: number | null = null): void {
  item.version += 1;
  item.changedAt = m.now;
  if (to === 'queued') {
    item.attempt += 1;
    item.lastSign = null;
    item.availableAt = availableAt;
  }
  if (to === 'dispatched' || to === 'in_progress') item.lastSign = m.now;
  item.detail = WITH_DETAIL.includes(to) ? detail : null;
  item.status = to;
}

/** Rule 2: a replay fills a detail that is still empty, never overwrites one. */
export function fill(item: Item, detail: string | null): Expected {
  if (detail === null || item.detail !== null) return UNCHANGED;
  item.version += 1;
  item.detail = detail;
  return APPLIED;
}

/** A move the table decides alone: same status a no-op, terminal final, edges from the table. */
export function move(m: LedgerModel, item: Item, to: Status, detail: string | null): Expected {
  if (item.status === to) return UNCHANGED;
  if (isTerminal(item.status)) return refused('terminal');
  if (!EDGES[item.status].includes(to)) return refused('not_allowed');
  moveTo(m, item, to, detail);
  return APPLIED;
}

export function pick(m: Readonly<LedgerModel>, index: number): Item {
  return m.items[index % m.items.length] as Item;
}

/** The attempt a fenced call names: relative to the current one, so it means the same thing after shrinking. */
export function named(item: Item, offset: number | undefined): number | undefined {
  return offset === undefined || item.attempt + offset < 1 ? undefined : item.attempt + offset;
}
