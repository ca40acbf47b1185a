import type { Logger, LogFields } from '../../src/app/ports.js';

/** Counts log lines by message; a test reads how often the services lost a race and decided again. */
export function countingLogger(): Logger & { count(message: string): number; errors: LogFields[] } {
  const counts = new Map<string, number>();
  const errors: LogFields[] = [];
  const note = (message: string) => void counts.set(message, (counts.get(message) ?? 0) + 1);
  const logger = {
    errors,
    count: (message: string) => counts.get(message) ?? 0,
    debug: (_: LogFields, message: string) => note(message),
    info: (_: LogFields, message: string) => note(message),
    warn: (_: LogFields, message: string) => note(message),
    error: (fields: LogFields, message: string) => {
      errors.push(fields);
      note(message);
    },
    child: () => logger,
  };
  return logger;
}

/** The simulator's seeded generator (mulberry32), so a concurrency run's plan is the same every time. */
export { mulberry32 as seededRandom } from '../../src/simulator/prng.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
