import type pg from 'pg';
import type { HeartbeatOutcome, TransitionOutcome } from '../../../src/app/ledger-api.js';
import { createDelegations, silentLogger, type Delegations } from '../../../src/index.js';
import { VirtualClock } from '../../../src/memory.js';

/**
 * `count` delegations overdue by half an hour, as the ledger writes them: one is created
 * through the library (on a clock an hour back, so its deadline can lie in the past), the
 * rest are copies of its row and its created event, made in one statement each.
 */
export async function seedOverdue(url: string, pool: pg.Pool, prefix: string, count: number): Promise<string[]> {
  const template = `${prefix}-template`;
  const d = await createDelegations({
    store: 'postgres',
    connectionString: url,
    logger: silentLogger,
    env: {},
    clock: new VirtualClock(new Date(Date.now() - 3_600_000)),
  });
  try {
    await d.ledger.create({ delegationId: template, callerId: 'fault', calleeId: 'agent', task: 'overdue', deadline: new Date(Date.now() - 1_800_000) });
  } finally {
    await d.close();
  }
  await pool.query('BEGIN');
  try {
    await pool.query(
      `INSERT INTO delegations (delegation_id, caller_id, callee_id, task_preview, status, attempt, version, last_heartbeat,
         active_since, deadline, heartbeat_timeout_ms, progress, result_preview, error_detail, idempotency_key, created_at, updated_at)
       SELECT $1 || '-' || lpad(i::text, 6, '0'), caller_id, callee_id, task_preview, status, attempt, version, last_heartbeat,
         active_since, deadline, heartbeat_timeout_ms, progress, result_preview, error_detail, idempotency_key, created_at, updated_at
       FROM delegations, generate_series(1, $2::int) AS i WHERE delegation_id = $3`,
      [prefix, count, template],
    );
    await pool.query(
      `INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
       SELECT $1 || '-' || lpad(i::text, 6, '0'), version, attempt, type, from_status, to_status, actor, details, occurred_at
       FROM delegation_events, generate_series(1, $2::int) AS i WHERE delegation_id = $3 ORDER BY i`,
      [prefix, count, template],
    );
    await pool.query('COMMIT');
  } catch (error) {
    await pool.query('ROLLBACK');
    throw error;
  }
  await pool.query('ANALYZE delegations');
  return [template, ...Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(6, '0')}`)];
}

export type Ack = { readonly delegationId: string; readonly version: number; readonly toStatus: string };

/** The writes a caller was told succeeded; each must be in the log at the end, as acknowledged. */
export class Acknowledged {
  readonly writes: Ack[] = [];
  failures = 0;

  add(ack: Ack): void {
    this.writes.push(ack);
  }
}

export type WriterPlan = { readonly writers: number; readonly delegationsEach: number; readonly prefix: string };

/**
 * Writers that each take delegations through created, dispatched, in_progress (a heartbeat)
 * and completed, retrying a call that fails (the server is down) until it answers. A create
 * is retried under its idempotency key, so a commit whose answer was lost is not made twice.
 */
export async function runWriters(d: Delegations, plan: WriterPlan, acks: Acknowledged, onProgress: (done: number) => void = () => undefined) {
  let done = 0;
  const writer = async (w: number) => {
    for (let i = 0; i < plan.delegationsEach; i += 1) {
      const id = `${plan.prefix}-w${w}-${i}`;
      const created = await persist(acks, () =>
        d.ledger.create({ delegationId: id, idempotencyKey: id, callerId: `caller-${w}`, calleeId: 'agent', task: 'work' }),
      );
      acks.add({ delegationId: id, version: created.version, toStatus: created.status });
      const steps: (() => Promise<TransitionOutcome | HeartbeatOutcome>)[] = [
        () => d.ledger.setStatus(id, 'dispatched'),
        () => d.ledger.heartbeat(id, { progress: 0.5 }),
        () => d.ledger.setStatus(id, 'completed', { resultPreview: 'ok' }),
      ];
      for (const step of steps) {
        const outcome = await persist(acks, step);
        if (outcome.outcome === 'applied') acks.add({ delegationId: id, version: outcome.event.version, toStatus: outcome.event.toStatus });
        // A retry of a call whose answer was lost finds its effect already there.
        else if (outcome.outcome !== 'unchanged' && outcome.outcome !== 'recorded') throw new Error(`${id}: ${outcome.outcome}`);
      }
      done += 1;
      onProgress(done);
    }
  };
  await Promise.all(Array.from({ length: plan.writers }, (_, w) => writer(w)));
}

async function persist<T>(acks: Acknowledged, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      acks.failures += 1;
      if (attempt >= 400) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
