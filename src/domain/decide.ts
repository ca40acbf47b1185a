import type { CreateDelegation, DelegationCommand, FailDelegation, RequeueDelegation } from './commands.js';
import type { Decision, RefusalReason } from './decision.js';
import type { Delegation } from './delegation.js';
import { DEADLINE_EXCEEDED, type DelegationEvent, type EventType } from './events.js';
import { backoffMs, hasAttemptsLeft, type RequeueReason, retriesExhaustedDetail } from './retry.js';
import { assertNever, canTransition, isTerminal, OPERATOR_REQUEUE_FROM, type Status } from './status.js';

type Fenceable = Exclude<DelegationCommand, CreateDelegation>;

/**
 * The decider: strict. Returns the events a command produces on `state`, or a
 * typed refusal. `now` is data, read from the Clock port by the caller.
 */
export function decide(command: DelegationCommand, state: Delegation | null, now: Date): Decision {
  if (command.type === 'Create') {
    if (state !== null) return refuse('already_exists', `delegation ${state.delegationId} already exists`);
    return { kind: 'apply', events: [created(command, now)] };
  }
  if (state === null) return refuse('not_found', 'no such delegation');
  const fence = checkAttempt(command, state);
  if (fence !== null) return fence;
  return decideOn(command, state, now);
}

function decideOn(command: Fenceable, state: Delegation, now: Date): Decision {
  switch (command.type) {
    case 'Dispatch':
      return availability(state, now) ?? move(state, 'dispatched', 'dispatched', command.actor, now, {});
    case 'Start':
      if (state.status === 'input_required') return refuse('not_allowed', 'input_required -> in_progress is the caller\u2019s resume, with an answer');
      return availability(state, now) ?? start(state, command.actor, now, false, undefined);
    case 'Heartbeat':
      if (state.status === 'in_progress') return { kind: 'heartbeat', progress: command.progress ?? null };
      // A parked agent may keep beating while it waits: acknowledged, nothing to record.
      if (state.status === 'input_required') return { kind: 'unchanged' };
      return availability(state, now) ?? start(state, command.actor, now, true, command.progress);
    case 'MarkStuck':
      return move(state, 'stuck', 'marked_stuck', command.actor, now, {
        detail: command.detail,
        silentForMs: command.silentForMs,
      });
    case 'Requeue':
      return requeue(state, command, now);
    case 'RequestInput':
      if (state.status === 'input_required') return fill(state, 'error', command.question, command.actor, now);
      if (!isTerminal(state.status) && state.status !== 'in_progress') {
        return refuse('not_allowed', `${state.status} -> input_required is not allowed: only a running delegation asks its caller`);
      }
      return move(state, 'input_required', 'input_requested', command.actor, now, { question: command.question });
    case 'Resume':
      // A replayed resume finds the agent running again: nothing to do.
      if (state.status === 'in_progress') return { kind: 'unchanged' };
      if (state.status !== 'input_required') {
        return transitionRefusal(state.status, 'in_progress') ?? refuse('not_allowed', `${state.status} is not waiting for input`);
      }
      return move(state, 'in_progress', 'resumed', command.actor, now, { answer: command.answer });
    case 'Reject':
      if (state.status === 'rejected') return fill(state, 'error', command.reason, command.actor, now);
      return move(state, 'rejected', 'rejected', command.actor, now, { reason: command.reason });
    case 'Complete':
      if (state.status === 'completed') return fill(state, 'result', command.result, command.actor, now);
      return move(state, 'completed', 'completed', command.actor, now, { result: command.result });
    case 'Fail':
      return fail(state, command, now);
    case 'Cancel':
      if (state.status === 'cancelled') return fill(state, 'error', command.reason, command.actor, now);
      return move(state, 'cancelled', 'cancelled', command.actor, now, { reason: command.reason });
    default:
      return assertNever(command);
  }
}

function checkAttempt(command: Fenceable, state: Delegation): Decision | null {
  const named = command.attempt;
  if (named === undefined || named === state.attempt) return null;
  // Stryker disable next-line EqualityOperator: equivalent: named === state.attempt returned above
  if (named < state.attempt) {
    return refuse('stale_attempt', `attempt ${named} was superseded by attempt ${state.attempt}`);
  }
  return refuse('unknown_attempt', `attempt ${named} does not exist (current attempt is ${state.attempt})`);
}

/** A requeued attempt in its backoff is not dispatched or started before its time. */
function availability(state: Delegation, now: Date): Decision | null {
  if (state.status !== 'queued' || state.availableAt === null || state.availableAt.getTime() <= now.getTime()) return null;
  return refuse('not_available', `attempt ${state.attempt} is in its retry backoff until ${state.availableAt.toISOString()}`);
}

function start(state: Delegation, actor: string, now: Date, viaHeartbeat: boolean, progress: number | undefined): Decision {
  const type = state.status === 'stuck' ? 'recovered' : 'started';
  // The beat that starts or recovers a run is an event, so the progress it reports travels in it.
  return move(state, 'in_progress', type, actor, now, progress === undefined ? { viaHeartbeat } : { viaHeartbeat, progress });
}

function requeue(state: Delegation, command: RequeueDelegation, now: Date): Decision {
  if (state.status === 'queued') return { kind: 'unchanged' };
  const terminal = transitionRefusal(state.status, 'queued');
  if (terminal !== null) return terminal;
  if (!(OPERATOR_REQUEUE_FROM as readonly Status[]).includes(state.status)) {
    return refuse('not_allowed', `${state.status} -> queued is not allowed: a retry starts from stuck (a running attempt retries by failing with retryable)`);
  }
  // The deadline is the whole budget: past it nothing runs again, the sweeper fails the delegation.
  const pastDeadline = now.getTime() > state.deadline.getTime();
  if (command.reason !== 'stuck') {
    if (pastDeadline) return refuse('not_allowed', `the deadline passed at ${state.deadline.toISOString()}: a delegation past it is not retried`);
    return { kind: 'apply', events: [requeued(state, command.actor, now, 'operator', null, state.errorDetail)] };
  }
  if (pastDeadline) return move(state, 'failed', 'failed', command.actor, now, { error: DEADLINE_EXCEEDED });
  if (!hasAttemptsLeft(state.retry, state.attempt)) {
    return move(state, 'failed', 'failed', command.actor, now, { error: retriesExhaustedDetail(state.attempt, state.errorDetail) });
  }
  const availableAt = new Date(now.getTime() + backoffMs(state.retry, state.attempt, command.sample ?? 0));
  return { kind: 'apply', events: [requeued(state, command.actor, now, 'stuck', availableAt, state.errorDetail)] };
}

/**
 * A failure ends the attempt; a retryable one under a policy with attempts left opens the next
 * one instead, unless the deadline passed (the deadline is the whole budget). With the attempts
 * spent, the failure's detail names them.
 */
function fail(state: Delegation, command: FailDelegation, now: Date): Decision {
  if (state.status === 'failed') return fill(state, 'error', command.error, command.actor, now);
  const retrying = command.retryable === true && state.retry !== null && !isTerminal(state.status) && state.status !== 'queued';
  if (!retrying || now.getTime() > state.deadline.getTime()) return move(state, 'failed', 'failed', command.actor, now, { error: command.error });
  if (!hasAttemptsLeft(state.retry, state.attempt)) {
    return move(state, 'failed', 'failed', command.actor, now, { error: retriesExhaustedDetail(state.attempt, command.error) });
  }
  const availableAt = new Date(now.getTime() + backoffMs(state.retry, state.attempt, command.sample ?? 0));
  return { kind: 'apply', events: [requeued(state, command.actor, now, 'agent_failure', availableAt, command.error)] };
}

function requeued(state: Delegation, actor: string, now: Date, reason: RequeueReason, availableAt: Date | null, error: string | null): DelegationEvent {
  return {
    ...eventBase(state, 'queued', actor, now),
    type: 'requeued',
    attempt: state.attempt + 1,
    data: { reason, availableAt: availableAt === null ? null : availableAt.toISOString(), error },
  };
}

function move(state: Delegation, to: Status, type: EventType, actor: string, now: Date, data: object): Decision {
  if (state.status === to) return { kind: 'unchanged' };
  const refusal = transitionRefusal(state.status, to);
  if (refusal !== null) return refusal;
  return { kind: 'apply', events: [{ ...eventBase(state, to, actor, now), type, data } as DelegationEvent] };
}

/** Rule 2: a replay may fill a detail that is still empty, never overwrite one. */
function fill(state: Delegation, field: 'result' | 'error', value: string | null, actor: string, now: Date): Decision {
  const current = field === 'result' ? state.resultPreview : state.errorDetail;
  if (value === null || current !== null) return { kind: 'unchanged' };
  const event = { ...eventBase(state, state.status, actor, now), type: 'detail_recorded', data: { [field]: value } };
  return { kind: 'apply', events: [event as DelegationEvent] };
}

function transitionRefusal(from: Status, to: Status): Decision | null {
  if (isTerminal(from)) return refuse('terminal', `delegation is ${from}; terminal delegations never change`);
  if (!canTransition(from, to)) return refuse('not_allowed', `${from} -> ${to} is not allowed`);
  return null;
}

function eventBase(state: Delegation, to: Status, actor: string, now: Date) {
  return { delegationId: state.delegationId, attempt: state.attempt, fromStatus: state.status, toStatus: to, actor, occurredAt: now };
}

function created(command: CreateDelegation, now: Date): DelegationEvent {
  return {
    type: 'created',
    delegationId: command.delegationId,
    attempt: 1,
    fromStatus: null,
    toStatus: 'queued',
    actor: command.actor,
    occurredAt: now,
    data: {
      callerId: command.callerId,
      calleeId: command.calleeId,
      taskPreview: command.taskPreview,
      deadline: command.deadline.toISOString(),
      heartbeatTimeoutMs: command.heartbeatTimeoutMs,
      idempotencyKey: command.idempotencyKey,
      retry: command.retry,
    },
  };
}

function refuse(reason: RefusalReason, message: string): Decision {
  return { kind: 'refused', reason, message };
}
