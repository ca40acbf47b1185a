import type { Delegation, DelegationCore } from './delegation.js';
import type { DelegationCreated, DelegationEvent } from './events.js';
import { assertNever } from './status.js';

/**
 * The fold: total and tolerant. It trusts the stream (decide already checked
 * the rules) and only rebuilds the state the events describe.
 */
export function evolve(state: Delegation | null, event: DelegationEvent): Delegation {
  if (event.type === 'created') return fromCreated(event);
  if (state === null) throw new Error(`stream of ${event.delegationId} does not begin with created`);
  const at = event.occurredAt;
  const base = { ...core(state), version: state.version + 1, updatedAt: at };
  switch (event.type) {
    case 'dispatched':
      return { ...base, status: 'dispatched', activeSince: at, resultPreview: null, errorDetail: null };
    case 'started':
    case 'recovered':
      return {
        ...base,
        status: 'in_progress',
        activeSince: at,
        lastHeartbeat: event.data.viaHeartbeat ? at : state.lastHeartbeat,
        progress: event.data.progress === undefined ? state.progress : Math.max(event.data.progress, state.progress ?? event.data.progress),
        resultPreview: null,
        errorDetail: null,
      };
    case 'marked_stuck':
      return { ...base, status: 'stuck', resultPreview: null, errorDetail: event.data.detail };
    case 'requeued':
      return {
        ...base,
        status: 'queued',
        attempt: event.attempt,
        activeSince: null,
        lastHeartbeat: null,
        progress: null,
        availableAt: event.data.availableAt ? new Date(event.data.availableAt) : null,
        resultPreview: null,
        errorDetail: null,
      };
    case 'input_requested':
      return { ...base, status: 'input_required', resultPreview: null, errorDetail: event.data.question };
    case 'resumed':
      // The answer restarts the liveness clock: the agent was parked, not silent.
      return { ...base, status: 'in_progress', activeSince: at, resultPreview: null, errorDetail: null };
    case 'rejected':
      return { ...base, status: 'rejected', resultPreview: null, errorDetail: event.data.reason };
    case 'completed':
      return { ...base, status: 'completed', resultPreview: event.data.result, errorDetail: null };
    case 'failed':
      return { ...base, status: 'failed', resultPreview: null, errorDetail: event.data.error };
    case 'cancelled':
      return { ...base, status: 'cancelled', resultPreview: null, errorDetail: event.data.reason };
    case 'detail_recorded':
      // A filled detail is not a change of status: updatedAt stays (rule 2).
      return {
        ...state,
        version: state.version + 1,
        resultPreview: state.resultPreview ?? event.data.result ?? null,
        errorDetail: state.errorDetail ?? event.data.error ?? null,
      } as Delegation;
    default:
      return assertNever(event);
  }
}

export function fold(events: readonly DelegationEvent[]): Delegation | null {
  return events.reduce<Delegation | null>(evolve, null);
}

/** A plain heartbeat on a running delegation: projection only, progress never goes back. */
export function recordHeartbeat(state: Delegation, now: Date, progress: number | null): Delegation {
  // Stryker disable next-line EqualityOperator: equivalent: on a tie both are the same instant
  const lastHeartbeat = state.lastHeartbeat && state.lastHeartbeat > now ? state.lastHeartbeat : now;
  const kept = progress === null ? state.progress : Math.max(progress, state.progress ?? progress);
  return { ...state, lastHeartbeat, progress: kept };
}

function fromCreated(event: DelegationCreated): Delegation {
  const { data } = event;
  return {
    delegationId: event.delegationId,
    callerId: data.callerId,
    calleeId: data.calleeId,
    taskPreview: data.taskPreview,
    attempt: event.attempt,
    version: 1,
    deadline: new Date(data.deadline),
    heartbeatTimeoutMs: data.heartbeatTimeoutMs,
    idempotencyKey: data.idempotencyKey,
    retry: data.retry ?? null,
    availableAt: null,
    lastHeartbeat: null,
    activeSince: null,
    progress: null,
    createdAt: event.occurredAt,
    updatedAt: event.occurredAt,
    status: 'queued',
    resultPreview: null,
    errorDetail: null,
  };
}

function core(state: Delegation): DelegationCore {
  const { status: _s, resultPreview: _r, errorDetail: _e, ...rest } = state;
  return rest;
}
