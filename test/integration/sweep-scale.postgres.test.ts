import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { openDelegations } from '../../src/delegations.js';
import type { WiredDelegations } from '../../src/wiring.js';
import { usePostgresDatabase } from '../support/postgres.js';

const IN_FLIGHT = 100_000;
const DUE_BY_DEADLINE = 5_000;
const DUE_BY_SILENCE = 5_000;
const DUE = DUE_BY_DEADLINE + DUE_BY_SILENCE;
const NOW = new Date('2026-06-01T12:00:00.000Z');
const POLICY = { thresholdMs: 10 * 60_000, staleRuleActive: true };

type Counts = { pool: string[]; client: string[]; counting: boolean };

const textOf = (arg: unknown) => (typeof arg === 'string' ? arg : String((arg as { text?: unknown } | undefined)?.text ?? ''));

/**
 * Statements that read or write a table. A wake-up for subscribers sent after a
 * write (SELECT pg_notify(...), no table) is not part of the sweep's work.
 */
const onTables = (texts: readonly string[]) => texts.filter((text) => /\b(from|into|update|delete)\b/i.test(text));

/** Records every statement the library sends through the host's pool, at the pool and at each client. */
function instrumentedPool(connectionString: string) {
  const pool = new pg.Pool({ connectionString, max: 4 });
  const counts: Counts = { pool: [], client: [], counting: false };
  const poolQuery = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: typeof poolQuery }).query = (...args) => {
    if (counts.counting) counts.pool.push(textOf(args[0]));
    return poolQuery(...args);
  };
  pool.on('connect', (client) => {
    const clientQuery = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: typeof clientQuery }).query = (...args) => {
      if (counts.counting) counts.client.push(textOf(args[0]));
      return clientQuery(...args);
    };
  });
  return { pool, counts };
}

// One set-based INSERT: in-flight rows of every status, the first 10,000 due (half past
// their deadline, half silent past the threshold), the rest healthy, including stuck rows
// silent for an hour and queued rows never touched, which the sweep must skip.
const BULK_LOAD = `
  INSERT INTO delegations (delegation_id, caller_id, callee_id, task_preview, status, attempt, version,
    last_heartbeat, active_since, deadline, heartbeat_timeout_ms, created_at, updated_at)
  SELECT 'bulk-' || lpad(i::text, 6, '0'), 'caller-' || (i % 50), 'agent-' || (i % 200), 'task ' || i,
    CASE WHEN i <= ${DUE_BY_DEADLINE} THEN (ARRAY['queued', 'dispatched', 'in_progress', 'stuck'])[1 + i % 4]
         WHEN i <= ${DUE} THEN (ARRAY['dispatched', 'in_progress'])[1 + i % 2]
         ELSE (ARRAY['queued', 'dispatched', 'in_progress', 'stuck'])[1 + i % 4] END,
    1, 1,
    CASE WHEN i <= ${DUE_BY_DEADLINE} THEN now - interval '1 minute'
         WHEN i <= ${DUE} THEN (CASE WHEN i % 3 = 0 THEN NULL ELSE now - interval '11 minutes' END)
         WHEN i % 4 = 3 THEN now - interval '1 hour'
         WHEN i % 4 = 0 THEN NULL
         ELSE now - interval '1 minute' END,
    CASE WHEN i > ${DUE} AND i % 4 = 0 THEN NULL
         WHEN i > ${DUE_BY_DEADLINE} AND i <= ${DUE} AND i % 3 = 0 THEN now - interval '11 minutes'
         ELSE now - interval '20 minutes' END,
    CASE WHEN i <= ${DUE_BY_DEADLINE} THEN now - interval '1 second' ELSE now + interval '5 hours' END,
    NULL, now - interval '30 minutes', now - interval '30 minutes'
  FROM generate_series(1, ${IN_FLIGHT}) AS i, (SELECT '${NOW.toISOString()}'::timestamptz AS now) AS t`;

describe(`a sweep over ${IN_FLIGHT.toLocaleString('en')} in-flight rows with ${DUE.toLocaleString('en')} due`, () => {
  const database = usePostgresDatabase('scale');
  let d: WiredDelegations;
  let instrumented: ReturnType<typeof instrumentedPool>;

  beforeAll(async () => {
    instrumented = instrumentedPool(database().url);
    // A virtual clock, so the only statements counted are the store's own.
    d = await openDelegations({ store: 'postgres', pool: instrumented.pool, migrate: true, logger: silentLogger, env: {}, clock: new VirtualClock(NOW) });
    await instrumented.pool.query(BULK_LOAD);
    // Production tables have statistics; a freshly loaded one gets them here.
    await instrumented.pool.query('ANALYZE delegations');
  });

  afterAll(async () => {
    await d?.close();
    await instrumented?.pool.end();
  });

  async function counted<T>(run: () => Promise<T>) {
    Object.assign(instrumented.counts, { pool: [], client: [], counting: true });
    const started = performance.now();
    try {
      const result = await run();
      const { pool, client } = instrumented.counts;
      return {
        result,
        ms: performance.now() - started,
        statements: onTables(client).length,
        poolCalls: onTables(pool).length,
        other: client.length - onTables(client).length,
      };
    } finally {
      instrumented.counts.counting = false;
    }
  }

  it('finds and moves all of them in one statement, with exactly one event each', async () => {
    const [row] = (await instrumented.pool.query("SELECT count(*) AS n FROM delegations WHERE status IN ('queued', 'dispatched', 'in_progress', 'stuck')"))
      .rows;
    expect(Number(row.n)).toBe(IN_FLIGHT);

    const due = await counted(() => d.store.findDue(NOW, POLICY));
    expect(due.statements).toBe(1);
    expect(due.result).toHaveLength(DUE);

    const sweep = await counted(() => d.store.sweep(NOW, POLICY, 'sweeper'));
    expect(sweep.statements).toBe(1);
    expect(sweep.poolCalls).toBe(1);
    expect(sweep.result).toMatchObject({ deadlineFailures: DUE_BY_DEADLINE, stuckMarked: DUE_BY_SILENCE, scanned: DUE });
    expect(sweep.result.events).toHaveLength(DUE);

    const [events] = (
      await instrumented.pool.query(`SELECT count(*) AS events, count(DISTINCT delegation_id) AS delegations,
        count(*) FILTER (WHERE version = 2) AS second, max(delegation_id) AS last FROM delegation_events`)
    ).rows;
    expect(events).toEqual({ events: String(DUE), delegations: String(DUE), second: String(DUE), last: `bulk-${String(DUE).padStart(6, '0')}` });
    const { rows: statuses } = await instrumented.pool.query(
      `SELECT status, count(*) AS n FROM delegations WHERE delegation_id <= 'bulk-${String(DUE).padStart(6, '0')}' GROUP BY status ORDER BY status`,
    );
    expect(statuses).toEqual([
      { status: 'failed', n: String(DUE_BY_DEADLINE) },
      { status: 'stuck', n: String(DUE_BY_SILENCE) },
    ]);

    const again = await counted(() => d.store.sweep(NOW, POLICY, 'sweeper'));
    expect(again.statements).toBe(1);
    expect(again.result).toMatchObject({ deadlineFailures: 0, stuckMarked: 0, scanned: 0 });

    process.stdout.write(
      `\n[sweep at scale] ${IN_FLIGHT.toLocaleString('en')} in flight, ${DUE.toLocaleString('en')} due: findDue ${due.statements} statement in ${due.ms.toFixed(0)} ms; ` +
        `sweep ${sweep.statements} statement (${sweep.poolCalls} pool.query; ${sweep.other} other, table-less) in ${sweep.ms.toFixed(0)} ms moving ${sweep.result.events.length.toLocaleString('en')} rows; ` +
        `second sweep ${again.statements} statement in ${again.ms.toFixed(0)} ms, nothing moved\n`,
    );
  });

  it('records a batch of 1,000 heartbeats in one statement', async () => {
    // Rows past the due ones with i % 4 = 2 were loaded in_progress and are still running.
    const ids = Array.from({ length: 1_000 }, (_, n) => `bulk-${String(DUE + 2 + 4 * n).padStart(6, '0')}`);
    const beats = await counted(() => d.ledger.heartbeatMany(ids));
    expect(beats.result.map((o) => o.outcome)).toEqual(ids.map(() => 'recorded'));
    expect(beats.statements).toBe(1);
    const [row] = (await instrumented.pool.query(`SELECT count(*) AS n FROM delegations WHERE last_heartbeat = '${NOW.toISOString()}'`)).rows;
    expect(Number(row.n)).toBe(ids.length);
    process.stdout.write(`\n[heartbeats at scale] 1,000 beats: ${beats.statements} statement in ${beats.ms.toFixed(0)} ms\n`);
  });
});
