/** One printed figure: the median of its runs, and how it compares with another figure of the same run. */
export type Figure = {
  readonly section: string;
  readonly name: string;
  readonly unit: string;
  readonly median: number;
  readonly runs: readonly number[];
  readonly ratio?: Ratio | undefined;
};

/** `value` is this figure over `of` (or `of` over this one when `inverse`), phrased as `label`. */
export type Ratio = { readonly label: string; readonly value: number; readonly target?: string | undefined; readonly met?: boolean | undefined };

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export async function timeMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export function figure(section: string, name: string, unit: string, runs: readonly number[], ratio?: Ratio): Figure {
  return { section, name, unit, median: median(runs), runs, ratio };
}

/**
 * Runs `count` operations through `concurrency` workers pulling from one counter;
 * returns operations per second of wall time.
 */
export async function throughput(count: number, concurrency: number, op: (index: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await op(i);
  };
  const ms = await timeMs(() => Promise.all(Array.from({ length: concurrency }, worker)));
  return (count * 1000) / ms;
}

/** Throws when a variant did different work from its competitors: then the comparison would mean nothing. */
export function expectSame(what: string, expected: number, actual: number): void {
  if (expected !== actual) throw new Error(`${what}: expected ${expected}, got ${actual}; the comparison would be unfair`);
}
