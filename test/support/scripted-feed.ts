import type { BatchHandler, BatchOutcome, EventFeed, FeedCursor, FeedProgress, FeedRequest } from '../../src/app/ports.js';
import type { EventType, StoredEvent } from '../../src/domain/index.js';

/** An event at `position`: only what the feed and a subscription read of it. */
export function eventAt(position: number, type: EventType = 'created'): StoredEvent {
  return { position, type, delegationId: `d-${position}`, version: 1 } as unknown as StoredEvent;
}

/**
 * An EventFeed over an array, to drive a subscription step by step: it records what the
 * subscription asked for (requests, batch limits, waits) and can fail reads or report
 * unsettled positions. Its waits are real timers (fake under vi.useFakeTimers()).
 */
export class ScriptedFeed implements EventFeed {
  readonly log: StoredEvent[] = [];
  readonly requests: FeedRequest[] = [];
  readonly limits: number[] = [];
  readonly waits: { since: number; timeoutMs: number }[] = [];
  /** Thrown by the next reads, one each, before they touch the log. */
  readonly readFailures: unknown[] = [];
  /** Reported by every read: newer positions a transaction in flight could precede. */
  unsettled = false;
  /** Awaited by every read before it does anything: holds a read in flight. */
  readGate: Promise<void> | null = null;
  checkpoint = 0;
  closes = 0;
  private generation = 0;
  private readonly wakers = new Set<() => void>();

  constructor(readonly supportsTransactions = false) {}

  append(...positions: number[]): void {
    this.log.push(...positions.map((position) => eventAt(position)));
    this.generation += 1;
    for (const wake of [...this.wakers]) wake();
  }

  open(request: FeedRequest): FeedCursor {
    this.requests.push(request);
    return {
      next: (limit, handle) => this.next(limit, handle),
      close: async () => {
        this.closes += 1;
      },
    };
  }

  mark(): number {
    return this.generation;
  }

  waitForAppend(since: number, timeoutMs: number, abort: AbortSignal): Promise<void> {
    this.waits.push({ since, timeoutMs });
    if (since !== this.generation || abort.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        abort.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.wakers.add(done);
      abort.addEventListener('abort', done, { once: true });
    });
  }

  async progress(): Promise<FeedProgress> {
    return { head: this.log.at(-1)?.position ?? 0, subscriptions: [] };
  }

  private async next(limit: number, handle: BatchHandler): Promise<BatchOutcome> {
    this.limits.push(limit);
    if (this.readGate !== null) await this.readGate;
    if (this.readFailures.length > 0) throw this.readFailures.shift();
    const rest = this.log.filter((event) => event.position > this.checkpoint);
    const batch = rest.slice(0, limit);
    if (batch.length > 0) await handle(batch, this.supportsTransactions ? 'the-transaction' : null);
    this.checkpoint = batch.at(-1)?.position ?? this.checkpoint;
    return { delivered: batch.length, checkpoint: this.checkpoint, more: rest.length > limit, unsettled: this.unsettled };
  }
}
