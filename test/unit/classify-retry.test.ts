import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { classifyDelegation, sweepVerdict, type ClassifiableRow, type RetryPolicy, type Status } from '../../src/domain/index.js';
import { policyArb } from './decider-trace.js';

const RUNS = process.env.CI !== undefined ? 5000 : 500;
const BASE = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(BASE + ms);

const offset = fc.integer({ min: -3_600_000, max: 3_600_000 });
const threshold = fc.integer({ min: 1, max: 1_800_000 });

/** Rows as the sweeper reads them, with everything a retry policy looks at. */
const rowArb = (statuses: readonly Status[]): fc.Arbitrary<ClassifiableRow> =>
  fc.record({
    status: fc.constantFrom(...statuses),
    deadline: offset.map(at),
    lastHeartbeat: fc.option(offset.map(at), { nil: null }),
    activeSince: fc.option(offset.map(at), { nil: null }),
    heartbeatTimeoutMs: fc.option(threshold, { nil: null }),
    retry: fc.option(policyArb, { nil: null }),
    attempt: fc.integer({ min: 1, max: 6 }),
    updatedAt: offset.map(at),
    errorDetail: fc.option(fc.constantFrom('which one?', 'no heartbeat for 61s'), { nil: null }),
  });

/** A stuck row under `policy`, marked stuck at `markedMs`, its deadline far away. */
function stuckRow(policy: RetryPolicy, attempt: number, markedMs: number): ClassifiableRow {
  return {
    status: 'stuck',
    deadline: at(100 * 3_600_000),
    lastHeartbeat: null,
    activeSince: at(markedMs - 120_000),
    heartbeatTimeoutMs: null,
    retry: policy,
    attempt,
    updatedAt: at(markedMs),
    errorDetail: 'no heartbeat for 120s',
  };
}

const stuckPolicy = policyArb.filter((p) => p.requeueStuckAfterMs !== null);

describe('input_required is parked, not silent', () => {
  test.prop([rowArb(['input_required']), offset.map(at), threshold, fc.boolean()], { numRuns: RUNS })(
    'classifyDelegation and sweepVerdict never mark it stuck, requeue or give it up: only the deadline applies',
    (row, now, t, staleRuleActive) => {
      const expected = now.getTime() > row.deadline.getTime() ? 'deadline_exceeded' : 'healthy';
      expect(classifyDelegation(now, row, t).kind).toBe(expected);
      expect(sweepVerdict(now, row, { thresholdMs: t, staleRuleActive }).kind).toBe(expected);
    },
  );
});

describe('a stuck delegation under a retry policy', () => {
  test.prop([stuckPolicy, fc.integer({ min: 1, max: 6 }), offset, threshold], { numRuns: RUNS })(
    'is left to its agent for requeueStuckAfterMs, then requeued while attempts are left and given up after',
    (policy, attempt, markedMs, t) => {
      const row = stuckRow(policy, attempt, markedMs);
      const wait = policy.requeueStuckAfterMs as number;
      if (wait > 0) expect(classifyDelegation(at(markedMs + wait - 1), row, t)).toEqual({ kind: 'healthy' });
      const due = classifyDelegation(at(markedMs + wait), row, t);
      if (attempt < policy.maxAttempts) expect(due).toEqual({ kind: 'requeue_stuck' });
      else
        expect(due).toEqual({ kind: 'retries_exhausted', detail: `gave up after ${attempt} ${attempt === 1 ? 'attempt' : 'attempts'}: no heartbeat for 120s` });
    },
  );

  test.prop([policyArb, fc.integer({ min: 1, max: 6 }), offset, fc.integer({ min: 0, max: 7_200_000 }), threshold], { numRuns: RUNS })(
    'without requeueStuckAfterMs, or without a policy, it waits for an operator or its deadline',
    (policy, attempt, markedMs, laterMs, t) => {
      const now = at(markedMs + laterMs);
      expect(classifyDelegation(now, stuckRow({ ...policy, requeueStuckAfterMs: null }, attempt, markedMs), t)).toEqual({ kind: 'healthy' });
      expect(classifyDelegation(now, { ...stuckRow(policy, attempt, markedMs), retry: null }, t)).toEqual({ kind: 'healthy' });
    },
  );

  test.prop([stuckPolicy, fc.integer({ min: 1, max: 6 }), offset, fc.integer({ min: 1, max: 7_200_000 }), threshold], { numRuns: RUNS })(
    'past its deadline it is failed for the deadline, never requeued',
    (policy, attempt, markedMs, pastMs, t) => {
      const row = { ...stuckRow(policy, attempt, markedMs), deadline: at(markedMs) };
      const now = at(markedMs + Math.max(pastMs, (policy.requeueStuckAfterMs as number) + 1));
      expect(classifyDelegation(now, row, t)).toEqual({ kind: 'deadline_exceeded', detail: 'deadline exceeded' });
    },
  );

  test.prop([rowArb(['stuck']), offset.map(at), threshold], { numRuns: RUNS })(
    'during grace it is neither requeued nor given up (the outage explains its silence too)',
    (row, now, t) => {
      expect(['healthy', 'deadline_exceeded']).toContain(sweepVerdict(now, row, { thresholdMs: t, staleRuleActive: false }).kind);
    },
  );
});
