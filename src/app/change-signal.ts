/**
 * An in-process "something changed" signal with a generation count, so a waiter
 * that marked the generation before reading cannot miss a change that lands
 * between its read and its wait.
 */
export class ChangeSignal {
  private generation = 0;
  private readonly waiters = new Set<() => void>();

  mark(): number {
    return this.generation;
  }

  notify(): void {
    this.generation += 1;
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves on a change after `since`, after `timeoutMs`, or when `abort` fires; never rejects. */
  wait(since: number, timeoutMs: number, abort: AbortSignal): Promise<void> {
    if (this.generation !== since || abort.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        abort.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      // done removes the listener on every path (notify, timer, abort).
      abort.addEventListener('abort', done);
    });
  }
}
