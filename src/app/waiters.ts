import { inject, injectable } from 'inversify';
import { DelegationNotFoundError, fold, type Delegation, type StoredEvent } from '../domain/index.js';
import type { WaitForOptions, Waiters } from './ledger-api.js';
import type { DelegationStore, EventFeed, Logger, Timers } from './ports.js';
import { SubscriptionRunner, type RunnerSettings } from './subscription-runner.js';
import { StoreClosedError } from './subscriptions-api.js';
import { TOKENS } from './tokens.js';
import { Waiter, waitRequest, type WaitRequest } from './waiter.js';

// One read hands over every event appended since the last; a thousand completions fit in one.
const TAIL_BATCH_SIZE = 1000;
// A handler call fails only when the store does (loading a row): retried as long as the subscription runner allows.
const TAIL_MAX_ATTEMPTS = 1000;
const TAIL_RETRY_DELAY_MS = 200;
// Wake-ups (the in-process signal, NOTIFY) come first; this only bounds how late a missed one is noticed.
const TAIL_POLL_INTERVAL_MS = 1000;

type Tail = { readonly runner: SubscriptionRunner; readonly ready: Promise<void> };

/**
 * The waitFor waiters of one container. However many there are, they share one reader:
 * a tail of the event feed (non-durable, from the end, nothing written) that runs while at
 * least one waiter waits and stops when the last one leaves. Each event for a delegation
 * someone waits on, in a status they wait for, settles those waiters.
 *
 * It runs its own SubscriptionRunner rather than a subscription of the Subscriptions
 * service: a host's `stopAll()` there must not leave waiters without a reader.
 */
@injectable()
export class DelegationWaiters implements Waiters {
  private readonly waiting = new Map<string, Set<Waiter>>();
  private tail: Tail | null = null;
  private tails = 0;
  private closed = false;

  constructor(
    @inject(TOKENS.Store) private readonly store: DelegationStore,
    @inject(TOKENS.EventFeed) private readonly feed: EventFeed,
    @inject(TOKENS.Timers) private readonly timers: Timers,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /** Waiters not yet settled, across every delegation. */
  get size(): number {
    let count = 0;
    for (const waiters of this.waiting.values()) count += waiters.size;
    return count;
  }

  /** Whether the shared reader is running (it is exactly while someone waits). */
  get reading(): boolean {
    return this.tail !== null;
  }

  async wait(delegationId: string, options?: WaitForOptions): Promise<Delegation> {
    const request = waitRequest(delegationId, options);
    if (this.closed) throw closedError();
    request.signal?.throwIfAborted();
    return new Promise((resolve, reject) => this.register(request, resolve, reject));
  }

  /** What closing the store calls: every pending waiter rejects with StoreClosedError, the reader stops. */
  async close(): Promise<void> {
    this.closed = true;
    this.failAll(closedError());
    await this.stopTail();
  }

  private register(request: WaitRequest, resolve: (delegation: Delegation) => void, reject: (error: unknown) => void): void {
    const waiter = new Waiter(request, this.timers, resolve, reject, () => this.leave(waiter));
    const waiters = this.waiting.get(request.delegationId) ?? new Set<Waiter>();
    waiters.add(waiter);
    this.waiting.set(request.delegationId, waiters);
    // The order is what makes the wait exact. The waiter is registered, then the reader has
    // fixed where it starts (its first read), and only then is the row read. An event written
    // before that read is in the row; one written after it is past the reader's start, so the
    // reader hands it over and finds the waiter registered. Reading the row first would lose
    // an event that lands between that read and the registration.
    const { ready } = this.ensureTail();
    ready
      .then(() => this.store.load(request.delegationId))
      .then((row) => {
        if (row === null) waiter.fail(new DelegationNotFoundError(request.delegationId));
        else if (waiter.wants(row.status)) waiter.succeed(row);
      })
      .catch((error: unknown) => waiter.fail(error));
  }

  private leave(waiter: Waiter): void {
    const waiters = this.waiting.get(waiter.delegationId);
    // Stryker disable OptionalChaining: leave() runs only for a registered waiter, whose set is kept until it empties
    waiters?.delete(waiter);
    if (waiters?.size === 0) this.waiting.delete(waiter.delegationId);
    // Stryker restore OptionalChaining
    if (this.waiting.size === 0) void this.stopTail();
  }

  private ensureTail(): Tail {
    if (this.tail !== null) return this.tail;
    this.tails += 1;
    const runner: SubscriptionRunner = new SubscriptionRunner(this.feed, this.tailSettings(), quieter(this.logger), () => undefined);
    // caughtUp() also settles when the runner ends, so a reader that failed to start fails its waiters here.
    const tail: Tail = { runner, ready: runner.caughtUp().then(() => undefined) };
    this.tail = tail;
    runner.done.catch((error: unknown) => {
      if (this.tail !== tail) return;
      this.tail = null;
      this.logger.error({ err: error, waiters: this.size }, 'waitFor reader stopped; its waiters are rejected');
      this.failAll(error);
    });
    return tail;
  }

  private tailSettings(): RunnerSettings {
    return {
      // Unique per reader: a stopping reader and its successor never share a name.
      request: { name: `delegations.waitFor.${this.tails}`, startAfter: 'end', types: null, transactional: false, durable: false },
      batchSize: TAIL_BATCH_SIZE,
      maxAttempts: TAIL_MAX_ATTEMPTS,
      retryDelayMs: TAIL_RETRY_DELAY_MS,
      pollIntervalMs: TAIL_POLL_INTERVAL_MS,
      handler: (events) => this.deliver(events),
    };
  }

  private async stopTail(): Promise<void> {
    const tail = this.tail;
    this.tail = null;
    await tail?.runner.stop();
  }

  /** Settles the waiters the batch's events concern; throws (the batch is read again) when the store does. */
  private async deliver(events: readonly StoredEvent[]): Promise<void> {
    const reached = new Map<string, Map<Waiter, StoredEvent>>();
    for (const event of events) {
      for (const waiter of this.waiting.get(event.delegationId) ?? []) {
        if (!waiter.wants(event.toStatus)) continue;
        const byWaiter = reached.get(event.delegationId) ?? new Map<Waiter, StoredEvent>();
        // The first event in a status the waiter waits for is the one it waits for.
        if (!byWaiter.has(waiter)) byWaiter.set(waiter, event);
        reached.set(event.delegationId, byWaiter);
      }
    }
    await Promise.all([...reached].map(([delegationId, byWaiter]) => this.settle(delegationId, byWaiter)));
  }

  private async settle(delegationId: string, byWaiter: ReadonlyMap<Waiter, StoredEvent>): Promise<void> {
    const row = await this.store.load(delegationId);
    if (row === null) return;
    let history: readonly StoredEvent[] | null = null;
    for (const [waiter, event] of byWaiter) {
      if (waiter.wants(row.status)) {
        waiter.succeed(row);
        continue;
      }
      // It passed through the awaited status and moved on (input_required, then resumed):
      // the waiter gets the delegation as that event left it.
      history ??= await this.store.history(delegationId);
      const then = fold(history.filter((e) => e.version <= event.version));
      if (then !== null) waiter.succeed(then);
    }
  }

  private failAll(error: unknown): void {
    for (const waiters of [...this.waiting.values()]) for (const waiter of [...waiters]) waiter.fail(error);
  }
}

function closedError(): StoreClosedError {
  return new StoreClosedError('the store is closed: no waitFor can be answered on it');
}

/** The reader starts and stops with its waiters, as often as a host waits: its lifecycle is debug, not info. */
function quieter(logger: Logger): Logger {
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.debug(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    // Stryker disable next-line all: the reader's subscription never asks for a child logger; the Logger port has one
    child: (fields) => quieter(logger.child(fields)),
  };
}
