import { fc } from '@fast-check/vitest';
import {
  decide,
  evolve,
  recordHeartbeat,
  type CreateDelegation,
  type Decision,
  type Delegation,
  type DelegationCommand,
  type RetryPolicy,
  type Status,
} from '../../src/domain/index.js';
import { T0 } from '../support/memory.js';

/**
 * Random command sequences for the decider laws: one delegation, created at T0, then
 * commands with time passing between them, decided and applied the way the ledger does.
 */
export type Fenceable = Exclude<DelegationCommand, CreateDelegation>;
export type Step = { readonly command: Fenceable; readonly advanceMs: number };
export type Traced = { readonly state: Delegation; readonly now: Date; readonly decision: Decision | null; readonly command: Fenceable | null };

export const TERMINAL: readonly Status[] = ['completed', 'failed', 'cancelled', 'rejected'];
export const IN_FLIGHT: readonly Status[] = ['queued', 'dispatched', 'in_progress', 'input_required', 'stuck'];
// Written from docs/domain.md rule 4, not taken from the domain: queued < dispatched < in_progress = input_required = stuck < terminal.
export const PHASE: Record<Status, number> = {
  queued: 0,
  dispatched: 1,
  in_progress: 2,
  input_required: 2,
  stuck: 2,
  completed: 3,
  failed: 3,
  cancelled: 3,
  rejected: 3,
};

// Mostly unfenced, so sequences get somewhere; sometimes naming an attempt, old or future.
const attemptArb = fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) });
const detailArb = fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: null });
const fenced = fc.record({ attempt: attemptArb, actor: fc.constantFrom('agent', 'sweeper', 'operator') });
/** The random source's draw: [0, 1), its ends included often. */
export const sampleArb = fc.oneof(fc.constantFrom(0, 0.5, 1 - Number.EPSILON), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }));

/** Policies as a caller may give them, some with a stuck requeue, jitter or not. */
export const policyArb: fc.Arbitrary<RetryPolicy> = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 5 }),
  initialDelayMs: fc.integer({ min: 0, max: 120_000 }),
  backoffFactor: fc.oneof(fc.constantFrom(1, 2, 3), fc.double({ min: 1, max: 4, noNaN: true })),
  maxDelayMs: fc.integer({ min: 0, max: 600_000 }),
  jitter: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
  requeueStuckAfterMs: fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: null }),
});

export const dispatchArb = fenced.map((f): Fenceable => ({ ...f, type: 'Dispatch' }));
export const startArb = fenced.map((f): Fenceable => ({ ...f, type: 'Start' }));
export const heartbeatArb = fc
  .tuple(fenced, fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }))
  .map(([f, progress]): Fenceable => ({ ...f, type: 'Heartbeat', progress }));
export const markStuckArb = fenced.map((f): Fenceable => ({ ...f, type: 'MarkStuck', detail: 'no heartbeat for 61s', silentForMs: 61_000 }));
/** The sweeper's automatic retry of a stuck delegation. */
export const stuckRequeueArb = fc.tuple(fenced, sampleArb).map(([f, sample]): Fenceable => ({ ...f, type: 'Requeue', reason: 'stuck', sample }));
export const operatorRequeueArb = fc
  .tuple(fenced, fc.constantFrom(undefined, 'operator' as const))
  .map(([f, reason]): Fenceable => ({ ...f, type: 'Requeue', ...(reason === undefined ? {} : { reason }) }));
export const failArb = fc
  .tuple(fenced, detailArb, fc.option(fc.boolean(), { nil: undefined }), sampleArb)
  .map(([f, error, retryable, sample]): Fenceable => ({ ...f, type: 'Fail', error, retryable, sample }));
export const retryableFailArb = fc
  .tuple(fenced, detailArb, sampleArb)
  .map(([f, error, sample]): Fenceable => ({ ...f, type: 'Fail', error, retryable: true, sample }));
const completeArb = fc.tuple(fenced, detailArb).map(([f, result]): Fenceable => ({ ...f, type: 'Complete', result }));
const cancelArb = fc.tuple(fenced, detailArb).map(([f, reason]): Fenceable => ({ ...f, type: 'Cancel', reason }));
const requestInputArb = fc.tuple(fenced, detailArb).map(([f, question]): Fenceable => ({ ...f, type: 'RequestInput', question }));
const resumeArb = fc.tuple(fenced, detailArb).map(([f, answer]): Fenceable => ({ ...f, type: 'Resume', answer }));
const rejectArb = fc.tuple(fenced, detailArb).map(([f, reason]): Fenceable => ({ ...f, type: 'Reject', reason }));

const w = (weight: number, arbitrary: fc.Arbitrary<Fenceable>) => ({ weight, arbitrary });

/** Every command, the ones that end a delegation rarer, so sequences live long enough to retry. */
export const commandArb: fc.Arbitrary<Fenceable> = fc.oneof(
  w(3, dispatchArb),
  w(3, startArb),
  w(3, heartbeatArb),
  w(3, markStuckArb),
  w(2, stuckRequeueArb),
  w(1, operatorRequeueArb),
  w(2, failArb),
  w(1, completeArb),
  w(1, cancelArb),
  w(2, requestInputArb),
  w(2, resumeArb),
  w(1, rejectArb),
);

/** Only what an agent and the sweeper do: no operator, so only the policy opens attempts. */
export const automaticCommandArb: fc.Arbitrary<Fenceable> = fc.oneof(
  w(3, dispatchArb),
  w(3, startArb),
  w(3, heartbeatArb),
  w(3, markStuckArb),
  w(3, stuckRequeueArb),
  w(3, retryableFailArb),
  w(1, completeArb),
  w(2, requestInputArb),
  w(2, resumeArb),
);

export const stepsArb = (command: fc.Arbitrary<Fenceable> = commandArb, maxLength = 30): fc.Arbitrary<Step[]> =>
  fc.array(fc.record({ command, advanceMs: fc.integer({ min: 0, max: 120_000 }) }), { maxLength });

export type Creation = { readonly retry: RetryPolicy | null; readonly deadlineInMs: number };
export const creationArb: fc.Arbitrary<Creation> = fc.record({
  retry: fc.option(policyArb, { nil: null, freq: 4 }),
  deadlineInMs: fc.integer({ min: 60_000, max: 6 * 3_600_000 }),
});

export function createCommand(creation: Creation): CreateDelegation {
  return {
    type: 'Create',
    delegationId: 'd1',
    callerId: 'caller',
    calleeId: 'callee',
    taskPreview: 'task',
    deadline: new Date(T0.getTime() + creation.deadlineInMs),
    heartbeatTimeoutMs: null,
    idempotencyKey: null,
    retry: creation.retry,
    actor: 'caller',
  };
}

export function created(creation: Creation = { retry: null, deadlineInMs: 6 * 3_600_000 }): Delegation {
  const decision = decide(createCommand(creation), null, T0);
  if (decision.kind !== 'apply') throw new Error('create refused');
  return decision.events.reduce<Delegation | null>(evolve, null) as Delegation;
}

/** Applies a decision the way the ledger does: events through evolve, plain beats on the projection. */
export function applied(state: Delegation, decision: Decision, now: Date): Delegation {
  if (decision.kind === 'apply') return decision.events.reduce(evolve, state);
  if (decision.kind === 'heartbeat') return recordHeartbeat(state, now, decision.progress);
  return state;
}

export function step(state: Delegation, command: Fenceable, now: Date): Delegation {
  return applied(state, decide(command, state, now), now);
}

/** Every state a sequence of commands passes through, the created one first, with the decision that led to it. */
export function trace(steps: readonly Step[], creation?: Creation): Traced[] {
  let now = T0;
  const states: Traced[] = [{ state: created(creation), now, decision: null, command: null }];
  for (const { command, advanceMs } of steps) {
    now = new Date(now.getTime() + advanceMs);
    const before = states[states.length - 1]!.state;
    const decision = decide(command, before, now);
    states.push({ state: applied(before, decision, now), now, decision, command });
  }
  return states;
}

/** The wait before attempt n+1 without jitter, from the policy's own words in src/domain/retry.ts, written out again. */
export function expectedBaseBackoff(policy: RetryPolicy, failedAttempt: number): number {
  let wait = policy.initialDelayMs;
  for (let n = 1; n < failedAttempt; n += 1) wait *= policy.backoffFactor;
  return Math.min(wait, policy.maxDelayMs);
}

/**
 * One step of an agent and a sweeper working a delegation: `choice` picks among the commands
 * that make sense in the status it finds (so runs get through several attempts), time passes
 * first, sometimes up to the end of the backoff.
 */
export type AgentStep = {
  readonly choice: number;
  readonly advanceMs: number;
  readonly toAvailable: boolean;
  readonly sample: number;
  readonly error: string | null;
};

export const agentStepsArb = (maxLength = 40): fc.Arbitrary<AgentStep[]> =>
  fc.array(
    fc.record({
      choice: fc.nat({ max: 11 }),
      advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400_000 })),
      toAvailable: fc.boolean(),
      sample: sampleArb,
      error: fc.constantFrom(null, 'boom', 'oom'),
    }),
    { minLength: Math.min(10, maxLength), maxLength },
  );

function agentCommands(state: Delegation, { sample, error }: AgentStep): Fenceable[] {
  const agent = { actor: 'agent' };
  const retryable: Fenceable = { ...agent, type: 'Fail', error, retryable: true, sample };
  const stuck: Fenceable = { actor: 'sweeper', type: 'MarkStuck', detail: 'no heartbeat for 61s', silentForMs: 61_000 };
  switch (state.status) {
    case 'queued':
      return [
        { ...agent, type: 'Dispatch' },
        { ...agent, type: 'Start' },
        { ...agent, type: 'Heartbeat' },
      ];
    case 'dispatched':
      return [{ ...agent, type: 'Start' }, { ...agent, type: 'Heartbeat' }, stuck, retryable];
    case 'in_progress':
      return [{ ...agent, type: 'Heartbeat' }, stuck, retryable, { ...agent, type: 'RequestInput', question: 'which?' }];
    case 'input_required':
      return [{ actor: 'caller', type: 'Resume', answer: 'this' }, retryable];
    case 'stuck':
      return [{ actor: 'sweeper', type: 'Requeue', reason: 'stuck', sample }, { ...agent, type: 'Heartbeat' }, retryable];
    default:
      return [{ ...agent, type: 'Heartbeat' }, retryable];
  }
}

/** The states an agent and the sweeper lead a delegation through, with each step's command. */
export function agentTrace(steps: readonly AgentStep[], creation: Creation): Traced[] {
  let now = T0;
  const states: Traced[] = [{ state: created(creation), now, decision: null, command: null }];
  for (const s of steps) {
    const before = states[states.length - 1]!.state;
    now = new Date(now.getTime() + s.advanceMs);
    if (s.toAvailable && before.availableAt !== null && before.availableAt > now) now = before.availableAt;
    const options = agentCommands(before, s);
    const command = options[s.choice % options.length]!;
    const decision = decide(command, before, now);
    states.push({ state: applied(before, decision, now), now, decision, command });
  }
  return states;
}
