import pg from 'pg';

/** A pool that records the text of every statement sent through it, and may run a hook before one. */
export type CountedPool = {
  readonly pool: pg.Pool;
  /** Statements sent since the last reset, subscriptions' NOTIFY wake-ups left out (sent after a write, never awaited by it). */
  statements(): string[];
  reset(): void;
  /** Runs `hook` once, before the next statement whose text matches `pattern` goes out. */
  before(pattern: RegExp, hook: () => Promise<void>): void;
};

export function countedPool(connectionString: string, max: number): CountedPool {
  const pool = new pg.Pool({ connectionString, max });
  // The file's database is dropped WITH (FORCE) after it: a client still closing must not crash the run.
  pool.on('error', () => undefined);
  let sent: string[] = [];
  let pending: { pattern: RegExp; hook: () => Promise<void> } | null = null;
  const original = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const counted = async (...args: unknown[]) => {
    const first = args[0] as string | { text: string };
    const text = typeof first === 'string' ? first : first.text;
    sent.push(text);
    if (pending?.pattern.test(text)) {
      const { hook } = pending;
      pending = null;
      await hook();
    }
    return original(...args);
  };
  pool.query = counted as unknown as typeof pool.query;
  return {
    pool,
    statements: () => sent.filter((text) => !text.includes('pg_notify')),
    reset: () => {
      sent = [];
    },
    before: (pattern, hook) => {
      pending = { pattern, hook };
    },
  };
}
