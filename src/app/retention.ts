import { InvalidInputError } from '../domain/index.js';
import type { PruneOptions, PruneResult } from './ledger-api.js';
import type { Clock, DelegationStore, Logger, PruneCursor } from './ports.js';
import { MAX_DURATION_MS, optionsObject } from './validation.js';

// A thousand rows and their events is a few milliseconds of locks: short enough that
// transitions never queue behind a batch, long enough that a year of history goes in minutes.
export const DEFAULT_PRUNE_BATCH = 1000;
// One batch is one transaction holding its rows' locks: a bigger one is a caller's bug, not a backlog.
export const MAX_PRUNE_BATCH = 10_000;

type Prune = { readonly olderThanMs: number; readonly batchSize: number; readonly dryRun: boolean; readonly signal: AbortSignal | null };

/** The options checked before anything is read or deleted: a typed error names the field. */
export function pruneOptions(options: PruneOptions): Prune {
  const { olderThanMs, batchSize, dryRun, signal } = optionsObject('options', options);
  if (typeof olderThanMs !== 'number' || !Number.isSafeInteger(olderThanMs) || olderThanMs <= 0 || olderThanMs > MAX_DURATION_MS) {
    throw new InvalidInputError('olderThanMs', `must be a positive integer of milliseconds, at most ${MAX_DURATION_MS}`);
  }
  const size = batchSize ?? DEFAULT_PRUNE_BATCH;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0 || size > MAX_PRUNE_BATCH) {
    throw new InvalidInputError('batchSize', `must be a positive integer, at most ${MAX_PRUNE_BATCH}`);
  }
  if (dryRun !== undefined && typeof dryRun !== 'boolean') throw new InvalidInputError('dryRun', 'must be a boolean');
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidInputError('signal', 'must be an AbortSignal');
  return { olderThanMs, batchSize: size, dryRun: dryRun ?? false, signal: signal ?? null };
}

/**
 * Batches until one comes back short: each is its own transaction, so transitions on other rows
 * flow between and beside them. Then one survey says which subscriptions kept due delegations.
 */
export async function prune(store: DelegationStore, clock: Clock, logger: Logger, options: PruneOptions): Promise<PruneResult> {
  const { olderThanMs, batchSize, dryRun, signal } = pruneOptions(options);
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
      const batch = await store.pruneBatch(horizon, batchSize, after);
      tally.batches += 1;
      tally.delegationsDeleted += batch.delegations;
      tally.eventsDeleted += batch.events;
      // Rows it skipped (held by another transaction, or held back) wait for the next prune.
      if (!batch.more || batch.next === null) break;
      after = batch.next;
    }
  }
  // An aborted prune leaves due rows behind on purpose: counting them would cost a scan of them all.
  const survey = aborted ? null : await store.pruneSurvey(horizon);
  const heldBackBy = survey === null || survey.heldBackBy.length === 0 ? null : survey.heldBackBy;
  const result = {
    horizon,
    dryRun,
    ...tally,
    wouldDelete: dryRun && survey !== null ? { delegations: survey.delegations, events: survey.events } : null,
    heldBackBy,
    aborted,
  };
  const fields = { horizon: horizon.toISOString(), dryRun, ...tally, wouldDelete: result.wouldDelete, aborted };
  if (heldBackBy === null) logger.info(fields, 'delegations pruned');
  else logger.warn({ ...fields, heldBackBy }, 'delegations pruned; subscriptions behind the horizon hold the rest back');
  return result;
}
