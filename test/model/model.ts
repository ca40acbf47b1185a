import type { Status } from '../../src/domain/index.js';

/**
 * The model of the ledger: docs/domain.md's rules written out by hand, as plainly as
 * possible, sharing no code with src/domain. Times are milliseconds.
 */
export const MODEL_THRESHOLD_MS = 60_000;

export type Item = {
  readonly id: string;
  readonly key: string;
  readonly deadline: number;
  readonly timeoutMs: number | null;
  status: Status;
  attempt: number;
  /** Events in the stream. */
  version: number;
  /** Last sign of life of this attempt: dispatch, start, recovery or a beat. */
  lastSign: number | null;
  /** A terminal delegation holds a result or error. */
  hasDetail: boolean;
};

export type LedgerModel = { now: number; items: Item[]; graceFrom: number | null; readonly bootGraceMs: number };
export type Expected = { outcome: 'applied' | 'unchanged' | 'refused' | 'recorded'; reason?: string };

export const TERMINAL: readonly Status[] = ['completed', 'failed', 'cancelled'];
// The transition table of docs/domain.md, copied by hand.
export const EDGES: Record<Status, readonly Status[]> = {
  queued: ['dispatched', 'in_progress', 'stuck', 'completed', 'failed', 'cancelled'],
  dispatched: ['in_progress', 'stuck', 'completed', 'failed', 'cancelled'],
  in_progress: ['stuck', 'completed', 'failed', 'cancelled'],
  stuck: ['in_progress', 'completed', 'failed', 'cancelled', 'queued'],
  completed: [],
  failed: [],
  cancelled: [],
};
export const isTerminal = (status: Status) => TERMINAL.includes(status);

export function fence(item: Item, attempt: number | undefined): Expected | null {
  if (attempt === undefined || attempt === item.attempt) return null;
  return { outcome: 'refused', reason: attempt < item.attempt ? 'stale_attempt' : 'unknown_attempt' };
}

export function moveTo(m: LedgerModel, item: Item, to: Status, detail: string | undefined): void {
  item.version += 1;
  if (to === 'queued') {
    item.attempt += 1;
    item.lastSign = null;
  }
  if (to === 'dispatched' || to === 'in_progress') item.lastSign = m.now;
  if (isTerminal(to)) item.hasDetail = detail !== undefined;
  item.status = to;
}

/** What the ledger must answer to "move `item` to `to`", applied to the model. */
export function request(m: LedgerModel, item: Item, to: Status, attempt?: number, detail?: string): Expected {
  const fenced = fence(item, attempt);
  if (fenced !== null) return fenced;
  if (item.status === to) {
    // Rule 2: a replay fills a detail that is still empty, never overwrites one.
    if (!isTerminal(to) || item.hasDetail || detail === undefined) return { outcome: 'unchanged' };
    item.version += 1;
    item.hasDetail = true;
    return { outcome: 'applied' };
  }
  if (isTerminal(item.status)) return { outcome: 'refused', reason: 'terminal' };
  if (!EDGES[item.status].includes(to)) return { outcome: 'refused', reason: 'not_allowed' };
  moveTo(m, item, to, detail);
  return { outcome: 'applied' };
}

export function beat(m: LedgerModel, item: Item, attempt?: number): Expected {
  const fenced = fence(item, attempt);
  if (fenced !== null) return fenced;
  if (isTerminal(item.status)) return { outcome: 'refused', reason: 'terminal' };
  if (item.status === 'in_progress') {
    item.lastSign = m.now;
    return { outcome: 'recorded' };
  }
  moveTo(m, item, 'in_progress', undefined);
  return { outcome: 'applied' };
}

export function sweep(m: LedgerModel) {
  m.graceFrom ??= m.now;
  const staleRuleActive = m.now - m.graceFrom >= m.bootGraceMs;
  let deadlineFailures = 0;
  let stuckMarked = 0;
  for (const item of m.items) {
    if (isTerminal(item.status)) continue;
    if (m.now > item.deadline) {
      moveTo(m, item, 'failed', 'deadline exceeded');
      deadlineFailures += 1;
      continue;
    }
    const watched = item.status === 'dispatched' || item.status === 'in_progress';
    const silent = item.lastSign !== null && m.now - item.lastSign > (item.timeoutMs ?? MODEL_THRESHOLD_MS);
    if (staleRuleActive && watched && silent) {
      moveTo(m, item, 'stuck', undefined);
      stuckMarked += 1;
    }
  }
  return { deadlineFailures, stuckMarked, errors: 0, scanned: deadlineFailures + stuckMarked };
}

export function pick(m: Readonly<LedgerModel>, index: number): Item {
  return m.items[index % m.items.length] as Item;
}

/** The attempt a fenced call names: relative to the current one, so it means the same thing after shrinking. */
export function named(item: Item, offset: number | undefined): number | undefined {
  return offset === undefined || item.attempt + offset < 1 ? undefined : item.attempt + offset;
}
