import { DatabaseError, type StoredEvent, type SweepPolicy } from '../domain/index.js';
import type { DelegationStore, Logger, SweepScope, SweepTally } from './ports.js';

/**
 * A sweep page the database refused as a whole (a check, a trigger, a bad value: a statement
 * error, not a lost connection). Nothing of the page was written; `delegationIds` are the rows
 * the page held, among which the culprit is.
 */
export class SweepPageRejectedError extends Error {
  override readonly name = 'SweepPageRejectedError';
  constructor(
    readonly delegationIds: readonly string[],
    override readonly cause: DatabaseError,
  ) {
    super(`a sweep page of ${delegationIds.length} rows was refused: ${cause.message}`);
  }
}

/** A due delegation the sweep could not move, and why (the database's typed message: no values). */
export type SkippedRow = { readonly delegationId: string; readonly error: string };

export type WalkedSweep = Omit<SweepTally, 'more' | 'events'> & {
  readonly skipped: readonly SkippedRow[];
  readonly pages: number;
  /** Events appended, summed over pages (each page's events went to onEvents, not kept here). */
  readonly moved: number;
};

// A backlog of 40 full pages (a million rows at the default batch) is more than one sweep
// should hold the interval for; the rest waits for the next sweep, which starts at once.
export const MAX_SWEEP_PAGES = 40;
// Statements spent isolating rejected rows in one sweep: one culprit in a page of 25,000 costs
// about 30 (bisection); a page where every row fails stops here instead of costing 50,000.
export const MAX_ISOLATION_STATEMENTS = 500;

type Walk = {
  readonly store: DelegationStore;
  readonly now: Date;
  readonly policy: SweepPolicy;
  readonly actor: string;
  readonly logger: Logger;
  /** Each page's events once it committed: a backlog of 100,000 is never held in memory at once. */
  readonly onEvents: (events: readonly StoredEvent[]) => void;
};

/**
 * One sweep: pages until a page is not full, moves nothing, or MAX_SWEEP_PAGES. A page the
 * database refuses is bisected down to the rows it refuses one by one; those are reported
 * (log, result) and left for the next sweep, everything else in the page is applied.
 */
export async function walkSweep(walk: Walk): Promise<WalkedSweep> {
  const total = new Tally(walk.onEvents);
  const skipped = new Map<string, string>();
  const budget = { statements: MAX_ISOLATION_STATEMENTS };
  let pages = 0;
  let more = true;
  while (more && pages < MAX_SWEEP_PAGES) {
    pages += 1;
    const exclude = [...skipped.keys()];
    try {
      const page = await walk.store.sweep(walk.now, walk.policy, walk.actor, { exclude });
      total.add(page);
      more = page.more && page.events.length > 0;
    } catch (error) {
      if (!(error instanceof SweepPageRejectedError)) throw error;
      const before = { moved: total.moved, skipped: skipped.size };
      await isolate(walk, error.delegationIds, error.cause, { total, skipped, budget });
      // Nothing isolated (no row to blame, or no statement left): the sweep cannot go further.
      if (total.moved === before.moved && skipped.size === before.skipped) {
        if (budget.statements > 0) throw error.cause;
        walk.logger.warn({ pages, skipped: skipped.size }, 'sweep spent its budget isolating refused rows; the rest waits for the next sweep');
        more = false;
      }
    }
  }
  if (more) walk.logger.warn({ pages, scanned: total.scanned }, 'sweep stopped at its page limit; the rest waits for the next sweep');
  return { ...total.result(), skipped: [...skipped].map(([delegationId, error]) => ({ delegationId, error })), pages };
}

type Isolation = { readonly total: Tally; readonly skipped: Map<string, string>; readonly budget: { statements: number } };

/** Sweeps `ids` as one page; a refused part is halved until single rows are refused. */
async function isolate(walk: Walk, ids: readonly string[], cause: DatabaseError, into: Isolation): Promise<void> {
  if (ids.length === 0) return;
  if (ids.length === 1) {
    const [delegationId] = ids as [string];
    into.skipped.set(delegationId, cause.message);
    walk.logger.error({ delegationId, err: cause, sqlState: cause.sqlState }, 'sweep could not move a delegation; skipped until the next sweep');
    return;
  }
  const middle = Math.ceil(ids.length / 2);
  for (const part of [ids.slice(0, middle), ids.slice(middle)]) {
    if (into.budget.statements <= 0) return;
    into.budget.statements -= 1;
    try {
      into.total.add(await walk.store.sweep(walk.now, walk.policy, walk.actor, { only: part } satisfies SweepScope));
    } catch (error) {
      if (!(error instanceof SweepPageRejectedError)) throw error;
      await isolate(walk, part, error.cause, into);
    }
  }
}

class Tally {
  deadlineFailures = 0;
  stuckMarked = 0;
  requeued = 0;
  retriesExhausted = 0;
  scanned = 0;
  moved = 0;

  constructor(private readonly onEvents: (events: readonly StoredEvent[]) => void) {}

  add(page: SweepTally): void {
    this.deadlineFailures += page.deadlineFailures;
    this.stuckMarked += page.stuckMarked;
    this.requeued += page.requeued;
    this.retriesExhausted += page.retriesExhausted;
    this.scanned += page.scanned;
    this.moved += page.events.length;
    if (page.events.length > 0) this.onEvents(page.events);
  }

  result(): Omit<WalkedSweep, 'skipped' | 'pages'> {
    const { deadlineFailures, stuckMarked, requeued, retriesExhausted, scanned, moved } = this;
    return { deadlineFailures, stuckMarked, requeued, retriesExhausted, scanned, moved };
  }
}

/** A page's refusal, when the database refused the statement itself (not the connection, not a time limit). */
export const isStatementRejection = (error: unknown): error is DatabaseError => error instanceof DatabaseError && error.kind === 'rejected';
