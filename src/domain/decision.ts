import type { DelegationEvent } from './events.js';

export type RefusalReason =
  /** The delegation is completed, failed, cancelled or rejected: nothing moves it again. */
  | 'terminal'
  /** Not an edge of the transition table from the current status (a step back). */
  | 'not_allowed'
  /** The sender names an older attempt: a late call from a superseded run. */
  | 'stale_attempt'
  /** The sender names an attempt that does not exist yet. */
  | 'unknown_attempt'
  /** A requeued attempt is still in its retry backoff (availableAt is in the future). */
  | 'not_available'
  | 'not_found'
  | 'already_exists';

export type Decision =
  | { readonly kind: 'apply'; readonly events: readonly DelegationEvent[] }
  /** Same-status replay: nothing to write. */
  | { readonly kind: 'unchanged' }
  /** A plain heartbeat on a running delegation: the projection records it, no event. */
  | { readonly kind: 'heartbeat'; readonly progress: number | null }
  | { readonly kind: 'refused'; readonly reason: RefusalReason; readonly message: string };
