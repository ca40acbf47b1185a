/**
 * Something due at a virtual time; `agent` is an index into the fleet's agents, SWEEP for the
 * sweeper's tick or CLAIM for the fleet's workers asking for queued work.
 */
export type Due = { readonly atMs: number; readonly seq: number; readonly agent: number };

export const SWEEP = -1;
/** Ordered as an agent: the fleet's workers are agents, and a sweep sees what they did at its instant. */
export const CLAIM = -2;

/**
 * A binary min-heap of due actions. Ties at one instant resolve agents first
 * (in the order they were scheduled), then the sweep: a sweep sees everything
 * that happened at its own instant, the way a database sweep sees committed rows.
 */
export class EventQueue {
  private readonly heap: Due[] = [];
  private seq = 0;
  private arrived = 0;

  /**
   * `arrivals[i]` is when agent i first acts, in ascending order. They are let
   * in only as time reaches them, so the heap stays as small as the live fleet.
   */
  constructor(private readonly arrivals: readonly number[] = []) {}

  push(atMs: number, agent: number): void {
    this.heap.push({ atMs, seq: this.seq++, agent });
    this.up(this.heap.length - 1);
  }

  pop(): Due | undefined {
    this.admitArrivals();
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top !== undefined && last !== undefined && this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private admitArrivals(): void {
    const { arrivals } = this;
    while (this.arrived < arrivals.length && (arrivals[this.arrived] as number) <= (this.heap[0]?.atMs ?? Number.POSITIVE_INFINITY)) {
      this.push(arrivals[this.arrived] as number, this.arrived);
      this.arrived += 1;
    }
  }

  private up(index: number): void {
    const { heap } = this;
    const item = heap[index] as Due;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(item, heap[parent] as Due)) break;
      heap[index] = heap[parent] as Due;
      index = parent;
    }
    heap[index] = item;
  }

  private down(index: number): void {
    const { heap } = this;
    const item = heap[index] as Due;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && before(heap[child + 1] as Due, heap[child] as Due)) child += 1;
      if (!before(heap[child] as Due, item)) break;
      heap[index] = heap[child] as Due;
      index = child;
    }
    heap[index] = item;
  }
}

export function before(a: Due, b: Due): boolean {
  if (a.atMs !== b.atMs) return a.atMs < b.atMs;
  const aSweep = a.agent === SWEEP;
  if (aSweep !== (b.agent === SWEEP)) return !aSweep;
  return a.seq < b.seq;
}
