import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  evolve,
  STATUSES,
  sweepVerdict,
  type Delegation,
  type RetryPolicy,
  type Status,
  type StoredEvent,
  type SweepPolicy,
} from '../../src/domain/index.js';
import type { DueDelegation } from '../../src/app/ports.js';
import type { DrizzleDb } from '../../src/adapters/drizzle/db.js';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { jsonbOrNull, ts, tsOrNull } from '../../src/adapters/drizzle/sql-values.js';
import { usePglite } from '../support/pglite.js';
import { usePostgresConnection } from '../support/postgres.js';

const CI = process.env.CI !== undefined;
const RUNS = { pglite: CI ? 150 : 60, postgres: CI ? 300 : 120 };

const HOUR = 3_600_000;
const YEAR = 365 * 24 * HOUR;
const BASE = Date.UTC(2026, 0, 1);

type RawRow = {
  readonly id: string;
  readonly status: Status;
  readonly attempt: number;
  readonly version: number;
  readonly deadline: Date;
  readonly lastHeartbeat: Date | null;
  readonly activeSince: Date | null;
  readonly heartbeatTimeoutMs: number | null;
  readonly retry: RetryPolicy | null;
  readonly updatedAt: Date;
  readonly errorDetail: string | null;
  readonly progress: number | null;
  readonly availableAt: Date | null;
};

type Scenario = { readonly now: Date; readonly policy: SweepPolicy; readonly rows: readonly RawRow[] };

/** Offsets that land on the rule's edges (±2 ms around a limit) as often as anywhere. */
const around = (limit: number) =>
  fc.oneof(
    fc.integer({ min: -2, max: 2 }).map((d) => limit + d),
    fc.integer({ min: -1000, max: 3 * HOUR }),
    fc.integer({ min: -YEAR, max: 10 * YEAR }),
  );

const timeout = fc.option(fc.oneof(fc.integer({ min: 1, max: 3 * HOUR }), fc.constantFrom(1, 999, 1000, Number.MAX_SAFE_INTEGER)), { nil: null });

/**
 * Policies whose growth the two sides compute alike: factors whose powers are exact in float64 for
 * the usual attempts, and 10 with attempts in the hundreds, far past any cap (Infinity in JavaScript,
 * an error in PostgreSQL's power() unless the statement steps around it).
 */
const retryPolicy: fc.Arbitrary<RetryPolicy> = fc.record({
  maxAttempts: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 500 })),
  initialDelayMs: fc.oneof(fc.constantFrom(0, 1, 1000), fc.integer({ min: 0, max: HOUR })),
  backoffFactor: fc.constantFrom(1, 1.25, 1.5, 2, 2.5, 3, 4, 10),
  maxDelayMs: fc.oneof(fc.constantFrom(0, 1, 5 * 60_000), fc.integer({ min: 0, max: 2 * HOUR })),
  jitter: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
  requeueStuckAfterMs: fc.option(fc.oneof(fc.constantFrom(0, 1, 60_000), fc.integer({ min: 0, max: 3 * HOUR })), { nil: null, freq: 4 }),
});

function rowAt(now: number, thresholdMs: number, index: number): fc.Arbitrary<RawRow> {
  return fc.tuple(timeout, fc.option(retryPolicy, { nil: null })).chain(([heartbeatTimeoutMs, retry]) => {
    // Limits beyond any reachable silence (MAX_SAFE_INTEGER) are probed from a distance a Date can hold.
    const silence = around(Math.min(heartbeatTimeoutMs ?? thresholdMs, 10 * YEAR));
    const sign = fc.option(
      silence.map((ms) => new Date(now - ms)),
      { nil: null, freq: 4 },
    );
    return fc.record({
      id: fc.constant(`r${String(index).padStart(3, '0')}`),
      // Every status, and the two the policies are about more often than their share.
      status: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...STATUSES) }, fc.constantFrom<Status>('stuck', 'input_required')),
      attempt: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) }, fc.integer({ min: 1, max: 400 })),
      version: fc.integer({ min: 1, max: 9 }),
      deadline: fc
        .oneof(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -3 * HOUR, max: 3 * HOUR }), fc.integer({ min: -5 * YEAR, max: 5 * YEAR }))
        .map((ms) => new Date(now + ms)),
      lastHeartbeat: sign,
      activeSince: sign,
      heartbeatTimeoutMs: fc.constant(heartbeatTimeoutMs),
      retry: fc.constant(retry),
      // Around the policy's limit, when it has one: a stuck row is requeued from that millisecond on.
      updatedAt: around(retry?.requeueStuckAfterMs ?? HOUR).map((ms) => new Date(now - ms)),
      errorDetail: fc.option(fc.constantFrom('no heartbeat for 601s', 'disk full', "it's 'quoted'"), { nil: null }),
      progress: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
      availableAt: fc.option(
        fc.integer({ min: -HOUR, max: HOUR }).map((ms) => new Date(now + ms)),
        { nil: null },
      ),
    });
  });
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    now: fc.integer({ min: BASE, max: BASE + 2 * YEAR }),
    thresholdMs: fc.oneof(fc.integer({ min: 1, max: 2 * HOUR }), fc.constantFrom(1, 600_000, Number.MAX_SAFE_INTEGER)),
    staleRuleActive: fc.boolean(),
    size: fc.integer({ min: 1, max: 30 }),
  })
  .chain(({ now, thresholdMs, staleRuleActive, size }) =>
    fc.tuple(...Array.from({ length: size }, (_, index) => rowAt(now, thresholdMs, index))).map((rows) => ({
      now: new Date(now),
      policy: { thresholdMs, staleRuleActive },
      rows,
    })),
  );

/** Straight into the table in one statement: the sweep sees rows no service shaped. */
async function insertRows(db: DrizzleDb, rows: readonly RawRow[]): Promise<void> {
  const values = rows.map(
    (r) => sql`(${r.id}, 'caller', 'agent', 'task', ${r.status}, ${r.attempt}, ${r.version}, ${tsOrNull(r.lastHeartbeat)},
      ${tsOrNull(r.activeSince)}, ${ts(r.deadline)}, ${r.heartbeatTimeoutMs}::bigint, ${jsonbOrNull(r.retry)}, ${tsOrNull(r.availableAt)},
      ${r.errorDetail}, ${r.progress}::float8, ${ts(new Date(BASE - YEAR))}, ${ts(r.updatedAt)})`,
  );
  await db.execute(sql`INSERT INTO delegations (delegation_id, caller_id, callee_id, task_preview, status, attempt, version,
    last_heartbeat, active_since, deadline, heartbeat_timeout_ms, retry, available_at, error_detail, progress, created_at, updated_at)
    VALUES ${sql.join(values, sql`, `)}`);
}

const expectedDue = ({ now, policy, rows }: Scenario): DueDelegation[] =>
  rows.flatMap((row) => {
    const verdict = sweepVerdict(now, row, policy);
    return verdict.kind === 'healthy' ? [] : [{ delegationId: row.id, verdict }];
  });

type Verdict = DueDelegation['verdict'];

/** The event the domain writes for `verdict` on `row`, but for a requeue's availableAt (checked on its own). */
function expectedEvent(row: RawRow, verdict: Verdict) {
  switch (verdict.kind) {
    case 'deadline_exceeded':
    case 'retries_exhausted':
      return { type: 'failed', attempt: row.attempt, toStatus: 'failed', data: { error: verdict.detail } };
    case 'stale_heartbeat':
      return { type: 'marked_stuck', attempt: row.attempt, toStatus: 'stuck', data: { detail: verdict.detail, silentForMs: verdict.silentForMs } };
    case 'requeue_stuck':
      return { type: 'requeued', attempt: row.attempt + 1, toStatus: 'queued', data: { reason: 'stuck', error: row.errorDetail } };
  }
}

/**
 * The requeued attempt's wait: exactly backoffMs without jitter; with jitter, the database's random()
 * is the sample, so anywhere from the wait with all the jitter taken off (sample 1) to none (sample 0).
 */
function expectBackoff(row: RawRow, now: Date, availableAt: Date): void {
  const policy = row.retry as RetryPolicy;
  const waited = availableAt.getTime() - now.getTime();
  if (policy.jitter === 0) {
    expect(waited, row.id).toBe(backoffMs(policy, row.attempt, 0));
  } else {
    expect(waited, row.id).toBeGreaterThanOrEqual(backoffMs(policy, row.attempt, 1));
    expect(waited, row.id).toBeLessThanOrEqual(backoffMs(policy, row.attempt, 0));
  }
}

const tallyOf = (expected: readonly DueDelegation[]) => {
  const count = (kind: Verdict['kind']) => expected.filter((d) => d.verdict.kind === kind).length;
  return {
    deadlineFailures: count('deadline_exceeded'),
    stuckMarked: count('stale_heartbeat'),
    requeued: count('requeue_stuck'),
    retriesExhausted: count('retries_exhausted'),
    scanned: expected.length,
  };
};

async function sweepAgreesWithDomain(db: DrizzleDb, reset: () => Promise<void>, s: Scenario): Promise<void> {
  await reset();
  await insertRows(db, s.rows);
  const store = new DrizzleDelegationStore(db);
  const expected = expectedDue(s);
  expect(await store.findDue(s.now, s.policy)).toEqual(expected);

  const before = new Map((await store.scan(null, 100)).map(({ delegation }) => [delegation.delegationId, delegation]));
  const { events: written, more, ...tally } = await store.sweep(s.now, s.policy, 'sweeper');
  expect(more).toBe(false);
  expect(tally).toEqual(tallyOf(expected));
  const events = new Map(written.map((event) => [event.delegationId, event]));
  expect(written).toHaveLength(expected.length);
  const after = new Map((await store.scan(null, 100)).map(({ delegation }) => [delegation.delegationId, delegation]));
  const due = new Map(expected.map((d) => [d.delegationId, d.verdict]));
  for (const row of s.rows) {
    const previous = before.get(row.id) as Delegation;
    const now = after.get(row.id) as Delegation;
    // The agent may be parked: only the deadline ever moves a delegation waiting on its caller.
    if (row.status === 'input_required') expect(now.status, row.id).toMatch(/^(input_required|failed)$/);
    const verdict = due.get(row.id);
    if (verdict === undefined) {
      expect(now, row.id).toEqual(previous);
      continue;
    }
    const event = events.get(row.id);
    expect(event, row.id).toMatchObject({
      ...expectedEvent(row, verdict),
      version: row.version + 1,
      fromStatus: row.status,
      actor: 'sweeper',
      occurredAt: s.now,
    });
    if (verdict.kind === 'requeue_stuck') {
      const text = event?.type === 'requeued' ? event.data.availableAt : undefined;
      // As the domain writes it: toISOString's text, the row's own stamp.
      expect(text, row.id).toBe(now.availableAt?.toISOString());
      expectBackoff(row, s.now, new Date(String(text)));
    }
    // The row is the fold of its event: the projection and the log never disagree.
    expect(now, row.id).toEqual(evolve(previous, event as StoredEvent));
  }
}

describe('the SQL sweep against classifyDelegation, row by row', () => {
  const pglite = usePglite();
  const postgres = usePostgresConnection('differential', 2);

  it(`chooses exactly what the domain chooses on PGlite (${RUNS.pglite} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) => sweepAgreesWithDomain(pglite().db, pglite().reset, s)),
      { numRuns: RUNS.pglite },
    );
  });

  it(`chooses exactly what the domain chooses on PostgreSQL (${RUNS.postgres} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) => sweepAgreesWithDomain(postgres().db, postgres().reset, s)),
      { numRuns: RUNS.postgres },
    );
  });
});
