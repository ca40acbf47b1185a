import type { DelegationCommand, CreateDelegation } from './commands.js';
import type { Decision, RefusalReason } from './decision.js';
import type { Delegation } from './delegation.js';
import type { DelegationEvent, EventType } from './events.js';
import { assertNever, canTransition, isTerminal, type Status } from './status.js';

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
      return move(state, 'dispatched', 'dispatched', command.actor, now, {});
    case 'Start':
      return start(state, command.actor, now, false, undefined);
    case 'Heartbeat':
      if (state.status === 'in_progress') return { kind: 'heartbeat', progress: command.progress ?? null };
      return start(state, command.actor, now, true, command.progress);
    case 'MarkStuck':
      return move(state, 'stuck', 'marked_stuck', command.actor, now, {
        detail: command.detail,
        silentForMs: command.silentForMs,
      });
    case 'Requeue':
      return requeue(state, command.actor, now);
    case 'Complete':
      if (state.status === 'completed') return fill(state, 'result', command.result, command.actor, now);
      return move(state, 'completed', 'completed', command.actor, now, { result: command.result });
    case 'Fail':
      if (state.status === 'failed') return fill(state, 'error', command.error, command.actor, now);
      return move(state, 'failed', 'failed', command.actor, now, { error: command.error });
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
  if (named < state.attempt) {
    return refuse('stale_attempt', `attempt ${named} was superseded by attempt ${state.attempt}`);
  }
  return refuse('unknown_attempt', `attempt ${named} does not exist (current attempt is ${state.attempt})`);
}

function start(state: Delegation, actor: string, now: Date, viaHeartbeat: boolean, progress: number | undefined): Decision {
  const type = state.status === 'stuck' ? 'recovered' : 'started';
  // The beat that starts or recovers a run is an event, so the progress it reports travels in it.
  return move(state, 'in_progress', type, actor, now, progress === undefined ? { viaHeartbeat } : { viaHeartbeat, progress });
}

function requeue(state: Delegation, actor: string, now: Date): Decision {
  if (state.status === 'queued') return { kind: 'unchanged' };
  const refusal = transitionRefusal(state.status, 'queued');
  if (refusal !== null) return refusal;
  const event = { ...eventBase(state, 'queued', actor, now), type: 'requeued', attempt: state.attempt + 1, data: {} };
  return { kind: 'apply', events: [event as DelegationEvent] };
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
    },
  };
}

function refuse(reason: RefusalReason, message: string): Decision {
  return { kind: 'refused', reason, message };
}
