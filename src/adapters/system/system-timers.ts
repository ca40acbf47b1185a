import type { Clock, TimerHandle, Timers } from '../../app/ports.js';

/** The process's timers: what every host runs on unless its clock brings timers of its own. */
export class SystemTimers implements Timers {
  setTimeout(callback: () => void, ms: number): TimerHandle {
    return { id: setTimeout(callback, ms) };
  }

  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle.id as NodeJS.Timeout);
  }
}

/**
 * The timers that go with a clock: its own when it has them (VirtualClock's fire as it is
 * advanced, so a timeout waits on the same time the ledger reads), else the process's.
 */
export function timersFor(clock: Clock | undefined): Timers {
  return clock !== undefined && isTimers(clock) ? clock : new SystemTimers();
}

function isTimers(value: object): value is Timers {
  const candidate = value as Partial<Timers>;
  return typeof candidate.setTimeout === 'function' && typeof candidate.clearTimeout === 'function';
}
