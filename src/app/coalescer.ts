/** Runs one batch: once its shared work is done, one answer per item, in order (a value, or a promise of one still being worked out). */
export type BatchRun<T, R> = (items: readonly T[]) => Promise<readonly (R | Promise<R>)[]>;

export type CoalescerOptions<T> = {
  /** Items with the same key never share a batch or overlap: each waits for the one before it. */
  readonly keyOf: (item: T) => string;
  readonly maxBatch: number;
  /** Batches whose shared work may run at once; calls made meanwhile gather for the next. */
  readonly maxInFlight: number;
};

type Entry<T, R> = { readonly item: T; readonly key: string; resolve(value: R): void; reject(error: unknown): void };

const resolved = Promise.resolve();

/**
 * Gathers calls into batches as DataLoader gathers loads: the calls made in the same tick, or
 * while maxInFlight batches are running, join the next batch (at most maxBatch items). A call
 * whose key is still pending in a batch waits for a later one, so calls on one key are answered
 * in the order they were made, as one by one.
 */
export class Coalescer<T, R> {
  private pending: Entry<T, R>[] = [];
  private readonly busy = new Set<string>();
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly run: BatchRun<T, R>,
    private readonly options: CoalescerOptions<T>,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, key: this.options.keyOf(item), resolve, reject });
      this.schedule();
    });
  }

  /** After the calls of this tick (and the promise jobs they start) have been made, as DataLoader does. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    void resolved.then(() =>
      process.nextTick(() => {
        this.scheduled = false;
        this.dispatch();
      }),
    );
  }

  private dispatch(): void {
    while (this.running < this.options.maxInFlight) {
      const batch = this.take();
      if (batch.length === 0) return;
      this.running += 1;
      void this.runBatch(batch).finally(() => {
        this.running -= 1;
        this.schedule();
      });
    }
  }

  /** The first pending entry of each free key, in call order; the rest stay pending, in order. */
  private take(): Entry<T, R>[] {
    const batch: Entry<T, R>[] = [];
    const rest: Entry<T, R>[] = [];
    for (const entry of this.pending) {
      if (batch.length < this.options.maxBatch && !this.busy.has(entry.key)) {
        this.busy.add(entry.key);
        batch.push(entry);
      } else {
        rest.push(entry);
      }
    }
    this.pending = rest;
    return batch;
  }

  private async runBatch(batch: readonly Entry<T, R>[]): Promise<void> {
    let answers: readonly (R | Promise<R>)[];
    try {
      answers = await this.run(batch.map((entry) => entry.item));
    } catch (error) {
      for (const entry of batch) this.settle(entry, () => entry.reject(error));
      return;
    }
    batch.forEach((entry, index) => {
      const answer = index < answers.length ? answers[index] : Promise.reject(new Error('a batch gave no answer for one of its items'));
      if (!(answer instanceof Promise)) {
        this.settle(entry, () => entry.resolve(answer as R));
        return;
      }
      answer.then(
        (value) => this.settle(entry, () => entry.resolve(value)),
        (error: unknown) => this.settle(entry, () => entry.reject(error)),
      );
    });
  }

  private settle(entry: Entry<T, R>, answer: () => void): void {
    this.busy.delete(entry.key);
    answer();
    if (this.pending.length > 0) this.schedule();
  }
}
