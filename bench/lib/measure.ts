/** One printed figure: the median of its runs, and how it compares with another figure of the same run. */
export type Figure = {
  readonly section: string;
  readonly name: string;
  readonly unit: string;
  readonly median: number;
  readonly runs: readonly number[];
  readonly ratios: readonly Ratio[];
};

/** A comparison taken in the same run, phrased as `label` ("ledger / raw"), with its target when it has one. */
export type Ratio = { readonly label: string; readonly value: number; readonly target?: string | undefined; readonly met?: boolean | undefined };

/** A target's verdict; a quick run's few operations say nothing about one, so it only names it. */
export function judge(quick: boolean, target: string, met: boolean): Pick<Ratio, 'target' | 'met'> {
  return quick ? { target: `${target} at full scale` } : { target, met };
}

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

export function figure(section: string, name: string, unit: string, runs: readonly number[], ...ratios: Ratio[]): Figure {
  return { section, name, unit, median: median(runs), runs, ratios };
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

/**
 * Competitors measured side by side: `blocks` alternating slices of `count`
 * operations each (in rotated order), so a neighbour's burst of load falls on
 * every side alike. Returns operations per second of each side's own time.
 */
export async function pairedThroughput<K extends string>(
  count: number,
  concurrency: number,
  sides: Record<K, (index: number) => Promise<unknown>>,
  blocks = 8,
): Promise<Record<K, number>> {
  const names = Object.keys(sides) as K[];
  const spent = Object.fromEntries(names.map((name) => [name, 0])) as Record<K, number>;
  // Each slice keeps every worker busy for a while, or start-up and drain would dominate it.
  const slices = Math.max(1, Math.min(blocks, Math.floor(count / (4 * concurrency))));
  const per = Math.ceil(count / slices);
  for (let block = 0; block < slices; block += 1) {
    const from = block * per;
    const size = Math.min(per, count - from);
    if (size <= 0) break;
    for (const name of rotateBy(names, block)) {
      spent[name] += (size * 1000) / (await throughput(size, concurrency, (i) => sides[name](from + i)));
    }
  }
  return Object.fromEntries(names.map((name) => [name, (count * 1000) / spent[name]])) as Record<K, number>;
}

function rotateBy<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** Throws when a variant did different work from its competitors: then the comparison would mean nothing. */
export function expectSame(what: string, expected: number, actual: number): void {
  if (expected !== actual) throw new Error(`${what}: expected ${expected}, got ${actual}; the comparison would be unfair`);
}
