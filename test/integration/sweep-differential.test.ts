import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { STATUSES, sweepVerdict, type Delegation, type Status, type SweepPolicy } from '../../src/domain/index.js';
import type { DueDelegation } from '../../src/app/ports.js';
import type { DrizzleDb } from '../../src/adapters/drizzle/db.js';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { ts, tsOrNull } from '../../src/adapters/drizzle/sql-values.js';
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

function rowAt(now: number, thresholdMs: number, index: number): fc.Arbitrary<RawRow> {
  return timeout.chain((heartbeatTimeoutMs) => {
    // Limits beyond any reachable silence (MAX_SAFE_INTEGER) are probed from a distance a Date can hold.
    const silence = around(Math.min(heartbeatTimeoutMs ?? thresholdMs, 10 * YEAR));
    const sign = fc.option(
      silence.map((ms) => new Date(now - ms)),
      { nil: null, freq: 4 },
    );
    return fc.record({
      id: fc.constant(`r${String(index).padStart(3, '0')}`),
      status: fc.constantFrom(...STATUSES),
      attempt: fc.integer({ min: 1, max: 3 }),
      version: fc.integer({ min: 1, max: 9 }),
      deadline: fc
        .oneof(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -3 * HOUR, max: 3 * HOUR }), fc.integer({ min: -5 * YEAR, max: 5 * YEAR }))
        .map((ms) => new Date(now + ms)),
      lastHeartbeat: sign,
      activeSince: sign,
      heartbeatTimeoutMs: fc.constant(heartbeatTimeoutMs),
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
      ${tsOrNull(r.activeSince)}, ${ts(r.deadline)}, ${r.heartbeatTimeoutMs}::bigint, ${ts(new Date(BASE - YEAR))}, ${ts(new Date(BASE - YEAR))})`,
  );
  await db.execute(sql`INSERT INTO delegations (delegation_id, caller_id, callee_id, task_preview, status, attempt, version,
    last_heartbeat, active_since, deadline, heartbeat_timeout_ms, created_at, updated_at) VALUES ${sql.join(values, sql`, `)}`);
}

const expectedDue = ({ now, policy, rows }: Scenario): DueDelegation[] =>
  rows.flatMap((row) => {
    const verdict = sweepVerdict(now, row, policy);
    return verdict.kind === 'healthy' ? [] : [{ delegationId: row.id, verdict }];
  });

async function sweepAgreesWithDomain(db: DrizzleDb, reset: () => Promise<void>, s: Scenario): Promise<void> {
  await reset();
  await insertRows(db, s.rows);
  const store = new DrizzleDelegationStore(db);
  const expected = expectedDue(s);
  expect(await store.findDue(s.now, s.policy)).toEqual(expected);

  const before = new Map((await store.scan(null, 100)).map(({ delegation }) => [delegation.delegationId, delegation]));
  const tally = await store.sweep(s.now, s.policy, 'sweeper');
  const failed = expected.filter((d) => d.verdict.kind === 'deadline_exceeded').length;
  expect({ deadlineFailures: tally.deadlineFailures, stuckMarked: tally.stuckMarked, scanned: tally.scanned }).toEqual({
    deadlineFailures: failed,
    stuckMarked: expected.length - failed,
    scanned: expected.length,
  });
  const events = new Map(tally.events.map((event) => [event.delegationId, event]));
  expect(tally.events).toHaveLength(expected.length);
  const after = new Map((await store.scan(null, 100)).map(({ delegation }) => [delegation.delegationId, delegation]));
  const due = new Map(expected.map((d) => [d.delegationId, d.verdict]));
  for (const row of s.rows) {
    const previous = before.get(row.id) as Delegation;
    const verdict = due.get(row.id);
    if (verdict === undefined) {
      expect(after.get(row.id), row.id).toEqual(previous);
      continue;
    }
    const to = verdict.kind === 'deadline_exceeded' ? 'failed' : 'stuck';
    const data = verdict.kind === 'deadline_exceeded' ? { error: verdict.detail } : { detail: verdict.detail, silentForMs: verdict.silentForMs };
    expect(events.get(row.id), row.id).toMatchObject({
      type: to === 'failed' ? 'failed' : 'marked_stuck',
      version: row.version + 1,
      attempt: row.attempt,
      fromStatus: row.status,
      toStatus: to,
      actor: 'sweeper',
      occurredAt: s.now,
      data,
    });
    expect(after.get(row.id), row.id).toEqual({
      ...previous,
      status: to,
      version: row.version + 1,
      errorDetail: verdict.detail,
      resultPreview: null,
      updatedAt: s.now,
    });
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
