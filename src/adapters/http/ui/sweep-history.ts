import type { LastSweep, Sweeper } from '../../../app/ledger-api.js';

/** What the overview's chart shows: an hour of this daemon's sweeps. */
export const SWEEP_HISTORY_WINDOW_MS = 60 * 60_000;
// A sweep every second for an hour; the loop's interval is minutes by default.
const MAX_SWEEPS = 3600;

/**
 * The sweeps this process ran, newest last, as the sweeper reported them. The sweeper
 * keeps only its last result, so the daemon samples it (more often than it sweeps);
 * a result seen twice is kept once.
 */
export class SweepHistory {
  private readonly sweeps: LastSweep[] = [];

  constructor(private readonly windowMs: number = SWEEP_HISTORY_WINDOW_MS) {}

  observe(sweeper: Pick<Sweeper, 'lastSweep'>): void {
    const last = sweeper.lastSweep;
    if (last === null) return;
    const newest = this.sweeps.at(-1);
    if (newest !== undefined && newest.at.getTime() >= last.at.getTime()) return;
    this.sweeps.push(last);
    if (this.sweeps.length > MAX_SWEEPS) this.sweeps.splice(0, this.sweeps.length - MAX_SWEEPS);
  }

  /** The sweeps within the window before `now`, oldest first. */
  since(now: Date): readonly LastSweep[] {
    const from = now.getTime() - this.windowMs;
    const first = this.sweeps.findIndex((sweep) => sweep.at.getTime() > from);
    // Older ones are dropped here: nothing asks for them again.
    this.sweeps.splice(0, first === -1 ? this.sweeps.length : first);
    return [...this.sweeps];
  }

  get window(): number {
    return this.windowMs;
  }
}
