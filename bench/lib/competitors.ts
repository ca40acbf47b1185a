import type { SqlSession, SqlTarget } from './sql-target.js';

export const THRESHOLD_MS = 10 * 60_000;
const IN_FLIGHT = `('queued', 'dispatched', 'in_progress', 'stuck')`;
const EVENT_INSERT = `INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)`;

/**
 * The seed's Sweep, faithfully: read every in-flight row it watches (it forgot
 * 'stuck', which cannot be due anyway), classify in the application with the
 * application's clock (no heartbeat = free pass), then one guarded transition
 * transaction per due row, as its DelegationLedger.SetStatus did: BEGIN; lock the
 * row; refuse if terminal; guarded UPDATE; INSERT the event; COMMIT.
 */
export async function seedSweep(target: SqlTarget): Promise<number> {
  const { rows } = await target.query(`SELECT delegation_id, last_heartbeat, deadline FROM delegations WHERE status IN ('queued','dispatched','in_progress')`);
  const now = new Date();
  let moved = 0;
  for (const row of rows) {
    const id = String(row.delegation_id);
    const deadline = row.deadline as Date;
    const lastBeat = row.last_heartbeat as Date | null;
    if (now.getTime() > deadline.getTime()) {
      moved += await setStatus(target, id, 'failed', 'deadline exceeded by sweeper', now);
    } else if (lastBeat !== null && now.getTime() - lastBeat.getTime() > THRESHOLD_MS) {
      moved += await setStatus(target, id, 'stuck', `no heartbeat for ${Math.round((now.getTime() - lastBeat.getTime()) / 1000)}s`, now);
    }
  }
  return moved;
}

async function setStatus(target: SqlTarget, id: string, to: 'failed' | 'stuck', detail: string, now: Date): Promise<number> {
  return target.withSession(async (s: SqlSession) => {
    await s.query('BEGIN');
    try {
      const { rows } = await s.query('SELECT status, version, attempt FROM delegations WHERE delegation_id = $1 FOR UPDATE', [id]);
      const row = rows[0];
      const from = row?.status as string | undefined;
      if (row === undefined || from === to || ['completed', 'failed', 'cancelled'].includes(from as string)) {
        await s.query('ROLLBACK');
        return 0;
      }
      const version = Number(row.version) + 1;
      await s.query(
        `UPDATE delegations SET status = $2, error_detail = $3, version = $4, updated_at = $5
          WHERE delegation_id = $1 AND status = $6 AND version = $7`,
        [id, to, detail, version, now, from, row.version],
      );
      await s.query(`${EVENT_INSERT} VALUES ($1, $2, $3, $4, $5, $6, 'sweeper', $7, $8)`, [
        id,
        version,
        row.attempt,
        to === 'failed' ? 'failed' : 'marked_stuck',
        from,
        to,
        JSON.stringify(to === 'failed' ? { error: detail } : { detail }),
        now,
      ]);
      await s.query('COMMIT');
      return 1;
    } catch (error) {
      await s.query('ROLLBACK');
      throw error;
    }
  });
}

/**
 * The lower bound: what one would write by hand for the same rules (deadline
 * first, per-row threshold, one event per moved row), with no locking clause,
 * no guard repeated and nothing returned but a count.
 */
export async function handWrittenSweep(target: SqlTarget): Promise<number> {
  const { rows } = await target.query(
    `WITH due AS (
      SELECT delegation_id, status, deadline < now() AS past, GREATEST(last_heartbeat, active_since) AS ref
      FROM delegations
      WHERE status IN ${IN_FLIGHT} AND (deadline < now() OR (status IN ('dispatched', 'in_progress')
        AND GREATEST(last_heartbeat, active_since) < now() - COALESCE(heartbeat_timeout_ms, $1::bigint) * interval '1 millisecond'))
    ), moved AS (
      UPDATE delegations d SET status = CASE WHEN due.past THEN 'failed' ELSE 'stuck' END,
        error_detail = CASE WHEN due.past THEN 'deadline exceeded'
          ELSE 'no heartbeat for ' || round(extract(epoch FROM now() - due.ref)) || 's' END,
        result_preview = NULL, version = d.version + 1, updated_at = now()
      FROM due WHERE d.delegation_id = due.delegation_id
      RETURNING d.delegation_id, d.version, d.attempt, due.status AS from_status, d.status, d.error_detail, due.past
    ), appended AS (
      ${EVENT_INSERT}
      SELECT delegation_id, version, attempt, CASE WHEN past THEN 'failed' ELSE 'marked_stuck' END, from_status, status,
        'sweeper', jsonb_build_object(CASE WHEN past THEN 'error' ELSE 'detail' END, error_detail), now()
      FROM moved RETURNING 1
    )
    SELECT count(*) AS n FROM appended`,
    [THRESHOLD_MS],
  );
  return Number(rows[0]?.n ?? 0);
}
