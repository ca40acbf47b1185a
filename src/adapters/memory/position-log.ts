import type { StoredEvent } from '../../domain/index.js';

/**
 * The memory store's global log, kept in position order: positions are handed out in
 * increasing order and appended at the end, so a read is a binary search and a slice,
 * never a sort of the whole history.
 */
export class PositionLog {
  private events: StoredEvent[] = [];

  append(events: readonly StoredEvent[]): void {
    for (const event of events) {
      const last = this.events.at(-1);
      if (last !== undefined && event.position <= last.position) throw new Error(`position ${event.position} appended after ${last.position}`);
      this.events.push(event);
    }
  }

  /** The index of the first event after `position`. */
  indexAfter(position: number): number {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.events[mid] as StoredEvent).position <= position) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Up to `limit` events after `position`, in position order. */
  after(position: number, limit: number): StoredEvent[] {
    const start = this.indexAfter(position);
    return this.events.slice(start, start + limit);
  }

  /** The event at `index` (from indexAfter), or undefined past the end. */
  at(index: number): StoredEvent | undefined {
    return this.events[index];
  }

  /** The last position still in the log; 0 when it is empty. */
  head(): number {
    return this.events.at(-1)?.position ?? 0;
  }

  get size(): number {
    return this.events.length;
  }

  /** Drops the events of these delegations in one pass (a prune batch). */
  remove(delegationIds: ReadonlySet<string>): void {
    if (delegationIds.size > 0) this.events = this.events.filter((event) => !delegationIds.has(event.delegationId));
  }
}
