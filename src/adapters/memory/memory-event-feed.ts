import type { BatchHandler, BatchOutcome, EventFeed, FeedCursor, FeedProgress, FeedRequest } from '../../app/ports.js';
import type { StoredEvent } from '../../domain/index.js';
import type { MemoryDelegationStore } from './memory-store.js';

/**
 * Subscriptions on the in-memory store. Appends happen without an await, so every
 * event is visible the moment it has a position: there is nothing to wait for.
 * Checkpoints live as long as the feed (the container).
 */
export class MemoryEventFeed implements EventFeed {
  readonly supportsTransactions = false;
  private readonly checkpoints = new Map<string, number>();

  constructor(private readonly store: MemoryDelegationStore) {}

  open(request: FeedRequest): FeedCursor {
    return new MemoryCursor(this.store, request, request.durable ? this.checkpoints : new Map());
  }

  mark(): number {
    return this.store.appended.mark();
  }

  waitForAppend(since: number, timeoutMs: number, abort: AbortSignal): Promise<void> {
    return this.store.appended.wait(since, timeoutMs, abort);
  }

  async progress(): Promise<FeedProgress> {
    const subscriptions = [...this.checkpoints].map(([name, position]) => ({ name, position, updatedAt: null }));
    return { head: this.store.headPosition, subscriptions: subscriptions.sort((a, b) => a.name.localeCompare(b.name)) };
  }
}

class MemoryCursor implements FeedCursor {
  constructor(
    private readonly store: MemoryDelegationStore,
    private readonly request: FeedRequest,
    private readonly checkpoints: Map<string, number>,
  ) {}

  async next(limit: number, handle: BatchHandler): Promise<BatchOutcome> {
    const after = this.checkpoint();
    const pending = this.store.eventsAfter(after, Number.MAX_SAFE_INTEGER);
    const types = this.request.types;
    const matching = types === null ? pending : pending.filter((event) => types.includes(event.type));
    const batch = matching.slice(0, limit);
    const more = matching.length > limit;
    const checkpoint = more ? (batch.at(-1) as StoredEvent).position : (pending.at(-1)?.position ?? after);
    if (batch.length > 0) await handle(batch, null);
    this.checkpoints.set(this.request.name, checkpoint);
    return { delivered: batch.length, checkpoint, more, unsettled: false };
  }

  async close(): Promise<void> {}

  private checkpoint(): number {
    const saved = this.checkpoints.get(this.request.name);
    if (saved !== undefined) return saved;
    const start = this.request.startAfter === 'end' ? this.head() : this.request.startAfter;
    // Kept at once: a subscription that starts at the end must not move its start on a restart.
    this.checkpoints.set(this.request.name, start);
    return start;
  }

  private head(): number {
    return this.store.eventsAfter(0, Number.MAX_SAFE_INTEGER).at(-1)?.position ?? 0;
  }
}
