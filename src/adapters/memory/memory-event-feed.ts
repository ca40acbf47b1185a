import type { BatchHandler, BatchOutcome, EventFeed, FeedCursor, FeedProgress, FeedRequest } from '../../app/ports.js';
import type { StoredEvent } from '../../domain/index.js';
import type { MemoryDelegationStore } from './memory-store.js';

/**
 * Subscriptions on the in-memory store. Appends happen without an await, so every
 * event is visible the moment it has a position: there is nothing to wait for.
 * Checkpoints live as long as the store (the container), which prune reads them from.
 */
export class MemoryEventFeed implements EventFeed {
  readonly supportsTransactions = false;

  constructor(private readonly store: MemoryDelegationStore) {}

  open(request: FeedRequest): FeedCursor {
    return new MemoryCursor(this.store, request, request.durable ? this.store.checkpoints : new Map());
  }

  mark(): number {
    return this.store.appended.mark();
  }

  waitForAppend(since: number, timeoutMs: number, abort: AbortSignal): Promise<void> {
    return this.store.appended.wait(since, timeoutMs, abort);
  }

  async progress(): Promise<FeedProgress> {
    const subscriptions = [...this.store.checkpoints].map(([name, position]) => ({ name, position, updatedAt: null }));
    return { head: this.store.headPosition, subscriptions: subscriptions.sort((a, b) => a.name.localeCompare(b.name)) };
  }
}

class MemoryCursor implements FeedCursor {
  constructor(
    private readonly store: MemoryDelegationStore,
    private readonly request: FeedRequest,
    private readonly checkpoints: Map<string, number>,
  ) {}

  /** Walks the log from the checkpoint (a binary search away) only as far as the batch needs. */
  async next(limit: number, handle: BatchHandler): Promise<BatchOutcome> {
    const after = this.checkpoint();
    const { log } = this.store;
    const types = this.request.types;
    const batch: StoredEvent[] = [];
    let more = false;
    for (let index = log.indexAfter(after); ; index += 1) {
      const event = log.at(index);
      if (event === undefined) break;
      if (types !== null && !types.includes(event.type)) continue;
      if (batch.length === limit) {
        more = true;
        break;
      }
      batch.push(event);
    }
    // A short batch read the whole rest of the log: the checkpoint moves past filtered-out events too.
    const checkpoint = more ? (batch.at(-1) as StoredEvent).position : Math.max(after, log.head());
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
    return this.store.log.head();
  }
}
