import type { StoredEvent } from '../domain/index.js';
import type { BatchOutcome, EventFeed, FeedCursor, FeedRequest, Logger } from './ports.js';
import { SubscriptionFailedError, type SubscriptionHandle, type SubscriptionHandler } from './subscriptions-api.js';

export type RunnerSettings = {
  readonly request: FeedRequest;
  readonly batchSize: number;
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
  readonly pollIntervalMs: number;
  readonly handler: SubscriptionHandler<unknown>;
};

// Long enough not to hammer a database that is down or a handler's failing dependency.
const MAX_RETRY_DELAY_MS = 30_000;
// Newer positions wait on transactions still in flight, which usually commit within milliseconds;
// one that stays open is asked after less and less often, up to the poll interval.
const UNSETTLED_RECHECK_MS = 10;

/** The handler threw: counts towards maxAttempts, unlike a database that failed to answer. */
class HandlerFailure extends Error {
  constructor(
    readonly events: readonly StoredEvent[],
    options: { cause: unknown },
  ) {
    // Stryker disable next-line StringLiteral: internal; what is read of it is its cause and its events
    super('subscription handler failed', options);
  }
}

/**
 * One running subscription: a loop of batches, each handled then checkpointed by the
 * feed, with a wait for the next append in between. A batch whose handler throws is
 * retried with backoff, one event at a time so the log names the event that fails;
 * the checkpoint never moves past it. Database failures are retried without limit.
 */
export class SubscriptionRunner implements SubscriptionHandle {
  position: number | null = null;
  readonly done: Promise<void>;
  private readonly abort = new AbortController();
  private stopping = false;
  private failures = 0;
  private failingAt: number | null = null;
  private isolateThrough = 0;
  private outages = 0;
  private unsettledWaits = 0;
  private readonly caughtUpWaiters = new Set<(position: number) => void>();
  /** The feed's mark when the last read that found no full batch began; null while behind. */
  private idleMark: number | null = null;

  constructor(
    private readonly feed: EventFeed,
    private readonly settings: RunnerSettings,
    private readonly logger: Logger,
    onEnd: () => void,
  ) {
    this.done = this.run().finally(onEnd);
    // Observed through `done` by whoever cares; an unobserved failure is logged, never an unhandled rejection.
    this.done.catch(() => undefined);
  }

  get name(): string {
    return this.settings.request.name;
  }

  caughtUp(): Promise<number> {
    if (this.idleMark !== null && this.idleMark === this.feed.mark()) return Promise.resolve(this.position ?? 0);
    const caughtUp = new Promise<number>((resolve) => this.caughtUpWaiters.add(resolve));
    return Promise.race([caughtUp, this.done.then(() => this.position ?? 0)]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.done.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const cursor = this.feed.open(this.settings.request);
    this.logger.info({ subscription: this.name, transactional: this.settings.request.transactional }, 'subscription started');
    try {
      while (!this.stopping) {
        const mark = this.feed.mark();
        this.idleMark = null;
        const outcome = await this.step(cursor);
        if (outcome === null || outcome.more || this.stopping) continue;
        this.idleMark = mark;
        this.notifyCaughtUp(outcome.checkpoint);
        this.unsettledWaits = outcome.unsettled && outcome.delivered === 0 ? this.unsettledWaits + 1 : 0;
        const recheckMs = UNSETTLED_RECHECK_MS * 2 ** Math.min(Math.max(this.unsettledWaits - 1, 0), 16);
        const waitMs = outcome.unsettled ? Math.min(recheckMs, this.settings.pollIntervalMs) : this.settings.pollIntervalMs;
        await this.feed.waitForAppend(mark, waitMs, this.abort.signal);
      }
      this.logger.info({ subscription: this.name, position: this.position }, 'subscription stopped');
    } finally {
      await cursor.close();
    }
  }

  /** One batch; null when it failed and the pause before its retry is over. */
  private async step(cursor: FeedCursor): Promise<BatchOutcome | null> {
    const limit = this.isolateThrough > (this.position ?? 0) ? 1 : this.settings.batchSize;
    try {
      const outcome = await cursor.next(limit, (events, transaction) => this.deliver(events, transaction));
      // Stryker disable next-line all: with the failingAt check below, a count never carries across positions without it either
      if (outcome.delivered > 0) this.failures = 0;
      this.position = outcome.checkpoint;
      this.outages = 0;
      return outcome;
    } catch (error) {
      if (error instanceof HandlerFailure) await this.handlerFailed(error);
      else await this.storeFailed(error);
      return null;
    }
  }

  private notifyCaughtUp(position: number): void {
    for (const resolve of this.caughtUpWaiters) resolve(position);
    this.caughtUpWaiters.clear();
  }

  private async deliver(events: readonly StoredEvent[], transaction: unknown): Promise<void> {
    const attempt = this.failingAt === firstPosition(events) ? this.failures + 1 : 1;
    try {
      await this.settings.handler(events, { name: this.name, attempt, transaction });
    } catch (error) {
      throw new HandlerFailure(events, { cause: error });
    }
  }

  private async handlerFailed(failure: HandlerFailure): Promise<void> {
    const position = firstPosition(failure.events);
    // A handler cut short by stop() (a webhook delivery waiting to retry): the batch is simply handled again at the next start.
    if (this.stopping) return this.logger.debug({ subscription: this.name, position, err: failure.cause }, 'subscription handler ended by stop');
    // Stryker disable next-line OptionalChaining: a failed batch has at least one event
    const lastPosition = failure.events.at(-1)?.position ?? position;
    // Stryker disable next-line all: with the reset on delivery above, a new position always starts from 0 either way
    this.failures = this.failingAt === position ? this.failures + 1 : 1;
    this.failingAt = position;
    this.isolateThrough = Math.max(this.isolateThrough, lastPosition);
    const fields = { subscription: this.name, position, lastPosition, events: failure.events.length, attempt: this.failures };
    this.logger.error({ ...fields, err: failure.cause }, 'subscription handler failed; the checkpoint stays before this position');
    if (this.failures >= this.settings.maxAttempts) {
      const error = new SubscriptionFailedError(this.name, position, this.failures, { cause: failure.cause });
      this.logger.error({ ...fields, err: error }, 'subscription stopped: its handler keeps failing');
      throw error;
    }
    await this.pause(this.backoff(this.failures));
  }

  private async storeFailed(error: unknown): Promise<void> {
    if (this.stopping) return;
    this.outages += 1;
    this.logger.warn(
      { subscription: this.name, position: this.position, attempt: this.outages, err: error },
      'subscription could not read or checkpoint; retrying',
    );
    await this.pause(this.backoff(this.outages));
  }

  private backoff(attempt: number): number {
    return Math.min(this.settings.retryDelayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
  }

  private pause(ms: number): Promise<void> {
    const abort = this.abort.signal;
    // Stryker disable next-line all: pause() is reached only before stopping, and stopping aborts in the same step
    if (abort.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        abort.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      // done removes the listener on both paths (timer and abort).
      abort.addEventListener('abort', done);
    });
  }
}

function firstPosition(events: readonly StoredEvent[]): number {
  // Stryker disable next-line OptionalChaining: asked only of a batch with events
  return events[0]?.position ?? 0;
}
