import type { Clock } from '../../app/ports.js';

/** A clock that moves only when told to: tests and simulations decide what time it is. */
export class VirtualClock implements Clock {
  private current: number;

  constructor(start: Date = new Date('2026-01-01T00:00:00.000Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance() needs a non-negative duration, got ${ms}`);
    this.current += ms;
    return this.now();
  }

  set(date: Date): Date {
    if (Number.isNaN(date.getTime())) throw new RangeError('set() needs a valid date');
    this.current = date.getTime();
    return this.now();
  }
}
