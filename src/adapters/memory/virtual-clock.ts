import type { Clock, TimerHandle, Timers } from '../../app/ports.js';

type PendingTimer = { readonly id: number; readonly at: number; readonly callback: () => void };

/**
 * A clock that moves only when told to: tests and simulations decide what time it is. Its
 * timers fire as it is advanced, each with the clock set to its due time, so a runner's beats
 * and a waiter's timeout run on virtual time without real waiting.
 */
export class VirtualClock implements Clock, Timers {
  private current: number;
  private readonly pending = new Map<number, PendingTimer>();
  private nextId = 1;

  constructor(start: Date = new Date('2026-01-01T00:00:00.000Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Moves time on, firing the timers due on the way, in due order, synchronously. */
  advance(ms: number): Date {
    const target = this.target(ms);
    for (let timer = this.dueBy(target); timer !== undefined; timer = this.dueBy(target)) this.fire(timer);
    this.current = target;
    return this.now();
  }

  /**
   * As advance(), but lets promise continuations run before the first timer, between timers
   * and at the end: a beat a timer started can answer before the next timer is due.
   */
  async advanceAsync(ms: number): Promise<Date> {
    const target = this.target(ms);
    await this.flush();
    for (let timer = this.dueBy(target); timer !== undefined; timer = this.dueBy(target)) {
      this.fire(timer);
      await this.flush();
    }
    this.current = target;
    await this.flush();
    return this.now();
  }

  /** Lets every pending promise continuation run (one turn of the event loop). */
  flush(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Jumps to `date`; timers it passes fire on the next advance. */
  set(date: Date): Date {
    if (Number.isNaN(date.getTime())) throw new RangeError('set() needs a valid date');
    this.current = date.getTime();
    return this.now();
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId;
    this.nextId += 1;
    // As Node does: a delay that is not a positive number fires on the next turn (here, the next advance).
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.pending.set(id, { id, at: this.current + delay, callback });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle.id === 'number') this.pending.delete(handle.id);
  }

  /** Timers set and neither fired nor cleared. */
  get pendingTimers(): number {
    return this.pending.size;
  }

  private target(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance() needs a non-negative duration, got ${ms}`);
    return this.current + ms;
  }

  /** The earliest timer due at or before `target`; the first set wins a tie, as in Node. */
  private dueBy(target: number): PendingTimer | undefined {
    let earliest: PendingTimer | undefined;
    for (const timer of this.pending.values()) {
      if (timer.at <= target && (earliest === undefined || timer.at < earliest.at)) earliest = timer;
    }
    return earliest;
  }

  private fire(timer: PendingTimer): void {
    this.pending.delete(timer.id);
    this.current = Math.max(this.current, timer.at);
    timer.callback();
  }
}
