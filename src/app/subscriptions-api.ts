import { DelegationError, type EventType, type StoredEvent } from '../domain/index.js';

export type BatchContext<Tx> = {
  readonly name: string;
  /** 1 on first delivery; more when the batch (or its first event) is being retried. */
  readonly attempt: number;
  /** The open transaction the checkpoint will commit in (transactional mode), else null. */
  readonly transaction: Tx | null;
};

export type SubscriptionHandler<Tx = unknown> = (events: readonly StoredEvent[], context: BatchContext<Tx>) => Promise<void> | void;

export type SubscribeOptions<Tx = unknown> = {
  /** Keys the checkpoint: a subscription that restarts under the same name resumes after it. */
  readonly name: string;
  /**
   * Where a subscription with no checkpoint yet starts: 'start' (the default, the whole log),
   * 'end' (only events written from now on) or a position (that event and the ones after it).
   * Ignored once a checkpoint exists.
   */
  readonly from?: 'start' | 'end' | number | undefined;
  /** Only these event types reach the handler; the checkpoint still moves past the others. */
  readonly types?: readonly EventType[] | undefined;
  /** Events per handler call, at most; default 100. */
  readonly batchSize?: number | undefined;
  /**
   * Database stores only: the handler receives the transaction the checkpoint commits in, so
   * its writes through that transaction and the checkpoint commit together (exactly-once effect).
   */
  readonly transactional?: boolean | undefined;
  /** Deliveries of one batch before the subscription gives up and stops; default 5. */
  readonly maxAttempts?: number | undefined;
  /** First pause after a failure, doubled on each retry up to 30 s; default 200 ms. */
  readonly retryDelayMs?: number | undefined;
  /** How often to look for events when no wake-up arrives; default 1000 ms. */
  readonly pollIntervalMs?: number | undefined;
  /** False: keep the position in this process only and write no checkpoint (a tail). Default true. */
  readonly checkpoint?: boolean | undefined;
  readonly handler: SubscriptionHandler<Tx>;
};

export interface SubscriptionHandle {
  readonly name: string;
  /** The last position handled and checkpointed, null before the first call returned. */
  readonly position: number | null;
  /** Resolves when the subscription stopped on request; rejects with SubscriptionFailedError when it gave up. */
  readonly done: Promise<void>;
  /** Resolves with the checkpoint once a read found no full batch: everything final so far was handed over. */
  caughtUp(): Promise<number>;
  /** Stops delivering and waits for the batch in progress (its handler call and checkpoint). */
  stop(): Promise<void>;
}

export interface Subscriptions {
  /** Starts delivering at once; throws InvalidInputError or ConfigurationError for options it cannot honour. */
  subscribe<Tx = unknown>(options: SubscribeOptions<Tx>): SubscriptionHandle;
  /** Stops every subscription started here and waits for their batches in progress. */
  stopAll(): Promise<void>;
  /** stopAll(), then refuses new subscriptions with StoreClosedError: what closing the store calls. */
  close(): Promise<void>;
}

/** A handler kept failing on the same event: the subscription stopped rather than skip it. */
export class SubscriptionFailedError extends DelegationError {
  override readonly name = 'SubscriptionFailedError';
  constructor(
    readonly subscription: string,
    /** The first position of the batch that failed (the event itself once retries deliver it alone). */
    readonly position: number,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(`subscription ${subscription} stopped: its handler failed ${attempts} times at position ${position} (${messageOf(options.cause)})`, options);
  }
}

/** The store was closed: a subscription on it would retry the closed connection forever, a waitFor wait for ever. */
export class StoreClosedError extends DelegationError {
  override readonly name = 'StoreClosedError';
  constructor(message = 'the store is closed: no subscription can start on it') {
    super(message);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
