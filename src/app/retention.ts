import { InvalidInputError } from '../domain/index.js';
import type { PruneOptions, PruneResult } from './ledger-api.js';
import type { Clock, DelegationStore, Logger, PruneCursor, Timers } from './ports.js';
import { isFiniteNumber, isSafeInteger, MAX_DURATION_MS, optionsObject } from './validation.js';

// A thousand rows and their events is a few milliseconds of locks: short enough that
// transitions never queue behind a batch, long enough that a year of history goes in minutes.
export const DEFAULT_PRUNE_BATCH = 1000;
// One batch is one transaction holding its rows' locks: a bigger one is a caller's bug, not a backlog.
export const MAX_PRUNE_BATCH = 10_000;

// Measured (BENCHMARKS.md, Retention) on 2 shared cores, transitions beside a prune kept 0.68 of
// their rate flat out, 0.79 resting as long as each batch took, 0.95 resting twice as long (a
// million delegations in about three minutes then): history can wait, transitions cannot.
export const DEFAULT_PRUNE_REST = 2;
const MAX_PRUNE_REST = 100;

type Prune = {
  readonly olderThanMs: number;
  readonly batchSize: number;
  readonly restRatio: number;
  readonly dryRun: boolean;
  readonly signal: AbortSignal | null;
};

/** The options checked before anything is read or deleted: a typed error names the field. */
export function pruneOptions(options: PruneOptions): Prune {
  const { olderThanMs, batchSize, restRatio, dryRun, signal } = optionsObject('options', options);
  if (!isSafeInteger(olderThanMs) || olderThanMs <= 0 || olderThanMs > MAX_DURATION_MS) {
    throw new InvalidInputError('olderThanMs', `must be a positive integer of milliseconds, at most ${MAX_DURATION_MS}`);
  }
  const size = batchSize ?? DEFAULT_PRUNE_BATCH;
  if (!isSafeInteger(size) || size <= 0 || size > MAX_PRUNE_BATCH) {
    throw new InvalidInputError('batchSize', `must be a positive integer, at most ${MAX_PRUNE_BATCH}`);
  }
  const rest = restRatio ?? DEFAULT_PRUNE_REST;
  if (!isFiniteNumber(rest) || rest < 0 || rest > MAX_PRUNE_REST) {
    throw new InvalidInputError('restRatio', `must be a number from 0 to ${MAX_PRUNE_REST}`);
  }
  if (dryRun !== undefined && typeof dryRun !== 'boolean') throw new InvalidInputError('dryRun', 'must be a boolean');
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidInputError('signal', 'must be an AbortSignal');
  return { olderThanMs, batchSize: size, restRatio: rest, dryRun: dryRun ?? false, signal: signal ?? null };
}

/**
 * Batches until one comes back short: each is its own transaction, so transitions on other rows
 * flow between and beside them. Then one survey says which subscriptions kept due delegations.
 */
export async function prune(store: DelegationStore, clock: Clock, timers: Timers, logger: Logger, options: PruneOptions): Promise<PruneResult> {
  const { olderThanMs, batchSize, restRatio, dryRun, signal } = pruneOptions(options);
  const horizon = new Date((await clock.now()).getTime() - olderThanMs);
  const tally = { delegationsDeleted: 0, eventsDeleted: 0, batches: 0 };
  let aborted = false;
  let after: PruneCursor | null = null;
  if (!dryRun) {
    for (;;) {
      if (signal?.aborted === true) {
        aborted = true;
        break;
      }
      // How long the database was busy with us, for pacing: read on the Clock port like every time.
      const started = (await clock.now()).getTime();
      const batch = await store.pruneBatch(horizon, batchSize, after);
      const tookMs = (await clock.now()).getTime() - started;
      tally.batches += 1;
      tally.delegationsDeleted += batch.delegations;
      tally.eventsDeleted += batch.events;
      // Rows it skipped (held by another transaction, or held back) wait for the next prune.
      if (!batch.more || batch.next === null) break;
      after = batch.next;
      if (restRatio > 0) await rest(timers, Math.ceil(tookMs * restRatio), signal);
    }
  }
  // An aborted prune leaves due rows behind on purpose: counting them would cost a scan of them all.
  const survey = aborted ? null : await store.pruneSurvey(horizon);
  const heldBackBy = survey === null || survey.heldBackBy.length === 0 ? null : survey.heldBackBy;
  const result = {
    horizon,
    dryRun,
    ...tally,
    // Stryker disable next-line ConditionalExpression: a dry run has its survey (it never aborts before it), so survey !== null holds whenever dryRun does
    wouldDelete: dryRun && survey !== null ? { delegations: survey.delegations, events: survey.events } : null,
    heldBackBy,
    aborted,
  };
  const fields = { horizon: horizon.toISOString(), dryRun, ...tally, wouldDelete: result.wouldDelete, aborted };
  if (heldBackBy === null) logger.info(fields, 'delegations pruned');
  else logger.warn({ ...fields, heldBackBy }, 'delegations pruned; subscriptions behind the horizon hold the rest back');
  return result;
}

/** A pause between batches that ends early when the signal aborts. */
function rest(timers: Timers, ms: number, signal: AbortSignal | null): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      timers.clearTimeout(handle);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const handle = timers.setTimeout(done, ms);
    // done removes the listener itself, on the timer's path and on the abort's.
    signal?.addEventListener('abort', done);
  });
}
