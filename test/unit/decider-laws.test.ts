import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { decide, evolve, fold, recordHeartbeat, type CreateDelegation, type Delegation, type DelegationCommand, type Status } from '../../src/domain/index.js';
import { memoryHarness, T0, withoutHeartbeat } from '../support/memory.js';

const CI = process.env.CI !== undefined;
const PURE_RUNS = CI ? 2000 : 300;
const SERVICE_RUNS = CI ? 500 : 100;

type Fenceable = Exclude<DelegationCommand, CreateDelegation>;

// Mostly unfenced, so sequences get somewhere; sometimes naming an attempt, old or future.
const attemptArb = fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) });
const detailArb = fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: null });
const fenced = fc.record({ attempt: attemptArb, actor: fc.constantFrom('agent', 'sweeper', 'operator') });

const commandArb: fc.Arbitrary<Fenceable> = fc.oneof(
  fenced.map((f) => ({ ...f, type: 'Dispatch' as const })),
  fenced.map((f) => ({ ...f, type: 'Start' as const })),
  fc.tuple(fenced, fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined })).map(([f, progress]) => ({ ...f, type: 'Heartbeat' as const, progress })),
  fenced.map((f) => ({ ...f, type: 'MarkStuck' as const, detail: 'no heartbeat for 61s', silentForMs: 61_000 })),
  fenced.map((f) => ({ ...f, type: 'Requeue' as const })),
  fc.tuple(fenced, detailArb).map(([f, result]) => ({ ...f, type: 'Complete' as const, result })),
  fc.tuple(fenced, detailArb).map(([f, error]) => ({ ...f, type: 'Fail' as const, error })),
  fc.tuple(fenced, detailArb).map(([f, reason]) => ({ ...f, type: 'Cancel' as const, reason })),
);
const stepsArb = fc.array(fc.record({ command: commandArb, advanceMs: fc.integer({ min: 0, max: 120_000 }) }), { maxLength: 30 });

const CREATE: CreateDelegation = {
  type: 'Create',
  delegationId: 'd1',
  callerId: 'caller',
  calleeId: 'callee',
  taskPreview: 'task',
  deadline: new Date(T0.getTime() + 6 * 3_600_000),
  heartbeatTimeoutMs: null,
  idempotencyKey: null,
  actor: 'caller',
};

function created(): Delegation {
  const decision = decide(CREATE, null, T0);
  if (decision.kind !== 'apply') throw new Error('create refused');
  return decision.events.reduce<Delegation | null>(evolve, null) as Delegation;
}

/** Decides and applies one command the way the ledger does: events through evolve, plain beats on the projection. */
function step(state: Delegation, command: Fenceable, now: Date): Delegation {
  const decision = decide(command, state, now);
  if (decision.kind === 'apply') return decision.events.reduce(evolve, state);
  if (decision.kind === 'heartbeat') return recordHeartbeat(state, now, decision.progress);
  return state;
}

/** Every state a sequence of commands passes through, the created one first. */
function trace(steps: readonly { command: Fenceable; advanceMs: number }[]): { state: Delegation; now: Date }[] {
  let now = T0;
  const states = [{ state: created(), now }];
  for (const { command, advanceMs } of steps) {
    now = new Date(now.getTime() + advanceMs);
    states.push({ state: step(states[states.length - 1]!.state, command, now), now });
  }
  return states;
}

const TERMINAL: readonly Status[] = ['completed', 'failed', 'cancelled'];
// Written from docs/domain.md rule 4, not taken from the domain: queued < dispatched < in_progress = stuck < terminal.
const PHASE: Record<Status, number> = { queued: 0, dispatched: 1, in_progress: 2, stuck: 2, completed: 3, failed: 3, cancelled: 3 };

describe('decider laws', () => {
  test.prop([stepsArb], { numRuns: PURE_RUNS })('a terminal delegation never changes status, attempt or a detail it holds', (steps) => {
    const states = trace(steps).map(({ state }) => state);
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
  });

  test.prop([stepsArb], { numRuns: PURE_RUNS })('(attempt, phase) never decreases and progress never decreases within an attempt', (steps) => {
    const states = trace(steps).map(({ state }) => state);
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
  });

  test.prop([stepsArb, commandArb, fc.integer({ min: 0, max: 120_000 })], { numRuns: PURE_RUNS })(
    'a replayed command is a no-op: it writes no event the second time',
    (steps, command, laterMs) => {
      const last = trace(steps).at(-1)!;
      const first = decide(command, last.state, last.now);
      const once = step(last.state, command, last.now);
      const later = new Date(last.now.getTime() + laterMs);
      const again = decide(command, once, later);
      expect(again.kind).not.toBe('apply');
      if (first.kind === 'refused') expect(again).toEqual(first);
      // An unfenced replay is reported as what it is: a same-status replay (or, for a beat, a plain beat).
      if (first.kind === 'apply' && command.attempt === undefined) {
        expect(again.kind).toBe(command.type === 'Heartbeat' ? 'heartbeat' : 'unchanged');
      }
    },
  );

  test.prop([stepsArb], { numRuns: PURE_RUNS })('a refused command changes nothing', (steps) => {
    const states = trace(steps);
    steps.forEach(({ command }, i) => {
      const { state, now } = states[i + 1]!;
      const decision = decide(command, states[i]!.state, now);
      if (decision.kind === 'refused') expect(state).toBe(states[i]!.state);
    });
  });
});

type ServiceOp =
  | { op: 'dispatched' | 'in_progress' | 'stuck' | 'completed' | 'failed' | 'cancelled'; detail: string | undefined; attempt: number | undefined }
  | { op: 'heartbeat'; attempt: number | undefined; progress: number | undefined }
  | { op: 'retry' }
  | { op: 'advance'; ms: number }
  | { op: 'sweep' };

const optAttempt = fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 4 });
const serviceOpArb: fc.Arbitrary<ServiceOp> = fc.oneof(
  fc.record({
    op: fc.constantFrom('dispatched', 'in_progress', 'stuck', 'completed', 'failed', 'cancelled'),
    detail: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
    attempt: optAttempt,
  }),
  fc.record({ op: fc.constant('heartbeat'), attempt: optAttempt, progress: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }) }),
  fc.constant({ op: 'retry' as const }),
  fc.record({ op: fc.constant('advance'), ms: fc.integer({ min: 1, max: 90_000 }) }),
  fc.constant({ op: 'sweep' as const }),
);

describe('the projection and the log agree', () => {
  test.prop([fc.array(serviceOpArb, { maxLength: 25 }), fc.option(fc.constantFrom(20_000, 120_000), { nil: undefined })], { numRuns: SERVICE_RUNS })(
    'folding history(id) gives get(id), heartbeat-only fields aside',
    async (ops, heartbeatTimeoutMs) => {
      const h = await memoryHarness({ stuckThresholdMs: 60_000, bootGraceMs: 0 });
      try {
        const id = 'd1';
        await h.ledger.create({ callerId: 'c', calleeId: 'x', task: 't', delegationId: id, heartbeatTimeoutMs, deadline: new Date(T0.getTime() + 600_000) });
        for (const op of ops) {
          if (op.op === 'heartbeat') await h.ledger.heartbeat(id, { attempt: op.attempt, progress: op.progress });
          else if (op.op === 'retry') await h.ledger.retry(id);
          else if (op.op === 'advance') h.clock.advance(op.ms);
          else if (op.op === 'sweep') await h.sweeper.sweep();
          else {
            const detail = op.op === 'completed' ? { resultPreview: op.detail } : { errorDetail: op.detail };
            await h.ledger.setStatus(id, op.op, { ...detail, attempt: op.attempt });
          }
        }
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
    },
  );
});
