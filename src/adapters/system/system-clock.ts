import type { Clock } from '../../app/ports.js';

/** The process's wall clock, for the in-memory store. Database stores default to the database's clock. */
export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}
