/** What every section is told: the mode, the runs per figure, and where progress goes. */
export type BenchContext = {
  readonly quick: boolean;
  /** Runs per figure; each figure is the median of these. */
  readonly rounds: number;
  /** Quick mode divides the sweep's row counts by this, so the whole run fits in a minute. */
  readonly scale: number;
  progress(message: string): void;
};

/** Rotates the competitors each round so drift in the machine's load falls on all of them alike. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
