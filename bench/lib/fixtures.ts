/**
 * Bulk loads for the benchmarks, as plain SQL both pg and PGlite run: every row
 * is made by INSERT ... SELECT generate_series, relative to the database's now().
 *
 * In-flight row i (1-based) is due when i is a multiple of inFlight/due; due rows
 * alternate between past the deadline (wedged: heartbeating, deadline gone) and
 * silent (no heartbeat for an hour, threshold ten minutes). The healthy rest is a
 * mix of queued, dispatched, in_progress (beat a minute ago) and stuck (already
 * flagged). Terminal rows are older, with deadlines long past, as real history is.
 */
export type SweepFixture = { readonly inFlight: number; readonly due: number; readonly terminal: number };

/** Plain transition fixture: `count` rows in one status with their stream so far. */
export type StatusFixture = { readonly prefix: string; readonly count: number; readonly status: 'queued' | 'in_progress' };

export const TRUNCATE = 'TRUNCATE delegation_events, delegations RESTART IDENTITY';

const COLUMNS = `delegation_id, caller_id, callee_id, task_preview, status, attempt, version, last_heartbeat,
  active_since, deadline, heartbeat_timeout_ms, progress, result_preview, error_detail, idempotency_key, created_at, updated_at`;

// One event per version already reached, so the log has the shape a real history has.
const EVENTS = `INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
  SELECT d.delegation_id, v, 1,
    (ARRAY['created','dispatched','started'])[v],
    (ARRAY[NULL,'queued','dispatched'])[v],
    (ARRAY['queued','dispatched','in_progress'])[v],
    'bench', '{}'::jsonb, d.created_at
  FROM delegations d, generate_series(1, LEAST(d.version, 3)) AS v
  WHERE d.delegation_id LIKE $PREFIX`;

const TERMINAL_EVENTS = `INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
  SELECT delegation_id, 4, 1, status, 'in_progress', status, 'bench', '{}'::jsonb, updated_at
  FROM delegations WHERE version = 4 AND status IN ('completed', 'failed', 'cancelled')`;

export function sweepFixtureSql(f: SweepFixture): string[] {
  const step = f.due > 0 ? Math.floor(f.inFlight / f.due) : 0;
  const isDue = step > 0 ? `(i % ${step} = 0 AND i / ${step} <= ${f.due})` : 'false';
  const pastDeadline = `(${isDue} AND (i / ${Math.max(step, 1)}) % 2 = 0)`;
  const silent = `(${isDue} AND (i / ${Math.max(step, 1)}) % 2 = 1)`;
  const kind = `CASE WHEN ${isDue} OR i % 7 >= 3 THEN 3 ELSE i % 7 END`; // 0 queued, 1 dispatched, 2 stuck, 3 in_progress
  const statements: string[] = [];
  if (f.terminal > 0) {
    statements.push(`INSERT INTO delegations (${COLUMNS})
      SELECT 't' || lpad(i::text, 7, '0'), 'caller-' || (i % 97), 'agent-' || (i % 31), 'finished task ' || i,
        (ARRAY['completed','failed','cancelled'])[1 + i % 3], 1, 4,
        now() - interval '40 days' + i * interval '5 seconds', now() - interval '40 days' + i * interval '5 seconds',
        now() - interval '39 days' + i * interval '5 seconds', NULL, 1,
        CASE WHEN i % 3 = 0 THEN 'ok' END, CASE WHEN i % 3 <> 0 THEN 'gave up' END, NULL,
        now() - interval '40 days' + i * interval '5 seconds', now() - interval '40 days' + i * interval '5 seconds' + interval '10 minutes'
      FROM generate_series(1, ${f.terminal}) AS i`);
    statements.push(TERMINAL_EVENTS);
  }
  if (f.inFlight > 0) {
    statements.push(`INSERT INTO delegations (${COLUMNS})
      SELECT 'f' || lpad(i::text, 7, '0'), 'caller-' || (i % 97), 'agent-' || (i % 31), 'running task ' || i,
        (ARRAY['queued','dispatched','stuck','in_progress'])[1 + k], 1, (ARRAY[1, 2, 4, 3])[1 + k],
        CASE WHEN k = 3 THEN now() - CASE WHEN ${silent} THEN interval '1 hour' ELSE interval '1 minute' END
             WHEN k = 2 THEN now() - interval '1 hour' END,
        CASE WHEN k = 1 THEN now() - interval '1 minute' WHEN k >= 2 THEN now() - interval '2 hours' END,
        now() + CASE WHEN ${pastDeadline} THEN interval '-1 minute' ELSE interval '6 hours' END, NULL,
        CASE WHEN k = 3 THEN 0.5 END, NULL, CASE WHEN k = 2 THEN 'no heartbeat for 3600s' END, NULL,
        now() - interval '3 hours', now() - interval '1 minute'
      FROM (SELECT i, ${kind} AS k FROM generate_series(1, ${f.inFlight}) AS i) AS g`);
    statements.push(EVENTS.replace('$PREFIX', `'f%'`));
  }
  return statements;
}

export function statusFixtureSql(f: StatusFixture): string[] {
  const inProgress = f.status === 'in_progress';
  return [
    `INSERT INTO delegations (${COLUMNS})
      SELECT '${f.prefix}' || i, 'caller-' || (i % 97), 'agent-' || (i % 31), 'task ' || i, '${f.status}', 1,
        ${inProgress ? 3 : 1}, ${inProgress ? `now()` : 'NULL'}, ${inProgress ? `now()` : 'NULL'},
        now() + interval '6 hours', NULL, ${inProgress ? '0' : 'NULL'}, NULL, NULL, NULL, now(), now()
      FROM generate_series(1, ${f.count}) AS i`,
    EVENTS.replace('$PREFIX', `'${f.prefix}%'`),
  ];
}

export const statusFixtureIds = (f: StatusFixture): string[] => Array.from({ length: f.count }, (_, i) => `${f.prefix}${i + 1}`);

/**
 * Claim fixture: `count` queued rows addressed to one callee, each created a millisecond
 * after the last (claims take the oldest first), with their created events.
 */
export type QueueFixture = { readonly prefix: string; readonly calleeId: string; readonly count: number };

export function queueFixtureSql(f: QueueFixture): string[] {
  return [
    `INSERT INTO delegations (${COLUMNS})
      SELECT '${f.prefix}' || i, 'caller-' || (i % 97), '${f.calleeId}', 'task ' || i, 'queued', 1, 1, NULL, NULL,
        now() + interval '6 hours', NULL, NULL, NULL, NULL, NULL,
        now() - interval '1 hour' + i * interval '1 millisecond', now() - interval '1 hour' + i * interval '1 millisecond'
      FROM generate_series(1, ${f.count}) AS i`,
    EVENTS.replace('$PREFIX', `'${f.prefix}%'`),
  ];
}
