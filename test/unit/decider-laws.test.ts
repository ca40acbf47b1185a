import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { decide, fold } from '../../src/domain/index.js';
import { type Harness, memoryHarness, T0, withoutHeartbeat } from '../support/memory.js';
import { commandArb, creationArb, PHASE, step, stepsArb, TERMINAL, trace } from './decider-trace.js';

const CI = process.env.CI !== undefined;
const PURE_RUNS = CI ? 2000 : 300;
const SERVICE_RUNS = CI ? 500 : 100;

describe('decider laws', () => {
  test.prop([stepsArb(), creationArb], { numRuns: PURE_RUNS })(
    'a terminal delegation never changes status, attempt or a detail it holds',
    (steps, creation) => {
      const states = trace(steps, creation).map(({ state }) => state);
      for (let i = 1; i < states.length; i += 1) {
        const before = states[i - 1]!;
        const after = states[i]!;
        if (!TERMINAL.includes(before.status)) continue;
        // Only a same-status replay filling a still-empty detail may write (rule 2); nothing else moves.
        expect(after).toEqual({
          ...before,
          version: after.version,
          resultPreview: before.resultPreview ?? after.resultPreview,
          errorDetail: before.errorDetail ?? after.errorDetail,
        });
        expect(after.version - before.version).toBeLessThanOrEqual(1);
      }
    },
  );

  test.prop([stepsArb(), creationArb], { numRuns: PURE_RUNS })(
    '(attempt, phase) never decreases and progress never decreases within an attempt',
    (steps, creation) => {
      const states = trace(steps, creation).map(({ state }) => state);
      for (let i = 1; i < states.length; i += 1) {
        const before = states[i - 1]!;
        const after = states[i]!;
        expect(after.attempt).toBeGreaterThanOrEqual(before.attempt);
        if (after.attempt > before.attempt) {
          expect(after.attempt).toBe(before.attempt + 1);
          continue;
        }
        expect(PHASE[after.status]).toBeGreaterThanOrEqual(PHASE[before.status]);
        if (before.progress !== null) expect(after.progress).toBeGreaterThanOrEqual(before.progress);
        expect(after.version).toBeGreaterThanOrEqual(before.version);
      }
    },
  );

  test.prop([stepsArb(), creationArb, commandArb, fc.integer({ min: 0, max: 120_000 })], { numRuns: PURE_RUNS })(
    'a replayed command is a no-op: it writes no event the second time',
    (steps, creation, command, laterMs) => {
      const last = trace(steps, creation).at(-1)!;
      const first = decide(command, last.state, last.now);
      const once = step(last.state, command, last.now);
      const later = new Date(last.now.getTime() + laterMs);
      // A refusal for a backoff not yet over holds only until the backoff ends.
      const backoffEnded = first.kind === 'refused' && first.reason === 'not_available' && last.state.availableAt!.getTime() <= later.getTime();
      // An attempt the first one ended by a retry is a new run: the sender's replay names its own, superseded attempt.
      const reopened = once.attempt > last.state.attempt;
      const again = decide(reopened ? { ...command, attempt: last.state.attempt } : command, once, later);
      if (backoffEnded) return;
      if (reopened) {
        expect(again).toMatchObject({ kind: 'refused', reason: 'stale_attempt' });
        // A retry asked for twice opens one attempt: the second finds it queued.
        if (command.type === 'Requeue' && command.attempt === undefined) expect(decide(command, once, later).kind).toBe('unchanged');
        return;
      }
      expect(again.kind).not.toBe('apply');
      if (first.kind === 'refused') expect(again).toEqual(first);
      // An unfenced replay is reported as what it is: a same-status replay (or, for a beat, a plain beat).
      if (first.kind !== 'apply' || command.attempt !== undefined) return;
      // The sweeper's retry that found the deadline passed or the attempts spent failed it instead: its replay finds it terminal.
      if (command.type === 'Requeue' && once.status === 'failed') expect(again).toMatchObject({ kind: 'refused', reason: 'terminal' });
      else expect(again.kind).toBe(command.type === 'Heartbeat' ? 'heartbeat' : 'unchanged');
    },
  );

  test.prop([stepsArb(), creationArb], { numRuns: PURE_RUNS })('a refused command changes nothing', (steps, creation) => {
    const states = trace(steps, creation);
    states.forEach(({ state, decision }, i) => {
      if (decision?.kind === 'refused') expect(state).toBe(states[i - 1]!.state);
    });
  });
});

type ServiceOp =
  | {
      op: 'dispatched' | 'in_progress' | 'input_required' | 'stuck' | 'completed' | 'failed' | 'cancelled' | 'rejected';
      detail: string | undefined;
      attempt: number | undefined;
      retryable: boolean;
    }
  | { op: 'heartbeat'; attempt: number | undefined; progress: number | undefined }
  | { op: 'retry' | 'claim' | 'sweep' }
  | { op: 'resume'; detail: string | undefined }
  | { op: 'advance'; ms: number };

const optAttempt = fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 4 });
const serviceOpArb: fc.Arbitrary<ServiceOp> = fc.oneof(
  fc
    .record({
      op: fc.constantFrom('dispatched', 'in_progress', 'input_required', 'stuck', 'completed', 'failed', 'cancelled', 'rejected'),
      detail: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
      attempt: optAttempt,
      retryable: fc.boolean(),
    })
    // Only a failure may be retryable.
    .map((op) => ({ ...op, retryable: op.op === 'failed' && op.retryable })),
  fc.record({ op: fc.constant('heartbeat'), attempt: optAttempt, progress: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }) }),
  fc.constantFrom({ op: 'retry' as const }, { op: 'claim' as const }, { op: 'sweep' as const }),
  fc.record({ op: fc.constant('resume'), detail: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }) }),
  fc.record({ op: fc.constant('advance'), ms: fc.integer({ min: 1, max: 90_000 }) }),
);
// Policies of every shape the ledger completes, jitter included: the fold must agree whatever the draw.
const retryArb = fc.option(
  fc.record(
    {
      maxAttempts: fc.integer({ min: 1, max: 4 }),
      initialDelayMs: fc.integer({ min: 0, max: 60_000 }),
      jitter: fc.double({ min: 0, max: 1, noNaN: true }),
      requeueStuckAfterMs: fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: null }),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

async function perform(h: Harness, id: string, op: ServiceOp): Promise<void> {
  switch (op.op) {
    case 'heartbeat':
      return void (await h.ledger.heartbeat(id, { attempt: op.attempt, progress: op.progress }));
    case 'retry':
      return void (await h.ledger.retry(id));
    case 'claim':
      return void (await h.ledger.claim({ calleeId: 'x' }));
    case 'sweep':
      return void (await h.sweeper.sweep());
    case 'resume':
      return void (await h.ledger.resume(id, { answer: op.detail }));
    case 'advance':
      return void h.clock.advance(op.ms);
    default: {
      const detail = op.op === 'completed' ? { resultPreview: op.detail } : { errorDetail: op.detail };
      await h.ledger.setStatus(id, op.op, { ...detail, attempt: op.attempt, ...(op.retryable ? { retryable: true } : {}) });
    }
  }
}

describe('the projection and the log agree', () => {
  test.prop([fc.array(serviceOpArb, { maxLength: 25 }), fc.option(fc.constantFrom(20_000, 120_000), { nil: undefined }), retryArb], {
    numRuns: SERVICE_RUNS,
  })('folding history(id) gives get(id), heartbeat-only fields aside', async (ops, heartbeatTimeoutMs, retry) => {
    const h = await memoryHarness({ stuckThresholdMs: 60_000, bootGraceMs: 0 });
    try {
      const id = 'd1';
      await h.ledger.create({
        callerId: 'c',
        calleeId: 'x',
        task: 't',
        delegationId: id,
        heartbeatTimeoutMs,
        retry,
        deadline: new Date(T0.getTime() + 600_000),
      });
      for (const op of ops) await perform(h, id, op);
      const history = await h.ledger.history(id);
      const folded = fold(history);
      const reported = await h.ledger.get(id);
      expect(folded).not.toBeNull();
      expect(reported).not.toBeNull();
      expect(withoutHeartbeat(folded!)).toEqual(withoutHeartbeat(reported!));
      expect(history.map((event) => event.version)).toEqual(history.map((_, i) => i + 1));
    } finally {
      await h.close();
    }
  });
});
