import { assertNever, type A2ATaskState, type Delegation, type StoredEvent, toA2ATaskState } from '../../domain/index.js';

/** The A2A 1.0 JSON names of the task states (the protocol buffer enum, as its JSON mapping spells it). */
const WIRE_STATES: Record<A2ATaskState, string> = {
  submitted: 'TASK_STATE_SUBMITTED',
  working: 'TASK_STATE_WORKING',
  'input-required': 'TASK_STATE_INPUT_REQUIRED',
  completed: 'TASK_STATE_COMPLETED',
  failed: 'TASK_STATE_FAILED',
  canceled: 'TASK_STATE_CANCELED',
  rejected: 'TASK_STATE_REJECTED',
};

type Role = 'ROLE_USER' | 'ROLE_AGENT';
export type A2AMessage = {
  readonly messageId: string;
  readonly contextId: string;
  readonly taskId: string;
  readonly role: Role;
  readonly parts: readonly { readonly text: string }[];
  readonly metadata: Record<string, unknown>;
};
export type A2AStatus = { readonly state: string; readonly message?: A2AMessage; readonly timestamp: string };
export type A2ATask = {
  readonly id: string;
  readonly contextId: string;
  readonly status: A2AStatus;
  readonly artifacts?: readonly { artifactId: string; name: string; parts: readonly { text: string }[] }[];
  readonly history?: readonly A2AMessage[];
  readonly metadata: Record<string, unknown>;
};

export function wireState(delegation: Pick<Delegation, 'status'>): string {
  return WIRE_STATES[toA2ATaskState(delegation.status)];
}

/**
 * A delegation as an A2A task: the task id and context are the delegation id, the status is the
 * domain's mapping, the history is the task as the caller gave it followed by one message per
 * event (who said it: the caller's own moves are the user's, everything else the agent side's),
 * and a completed delegation's result is its artifact. `historyLength` keeps the most recent messages.
 */
export function toTask(delegation: Delegation, history: readonly StoredEvent[], historyLength?: number): A2ATask {
  const messages = [taskMessage(delegation), ...history.map((event) => eventMessage(event))];
  const kept = historyLength === undefined ? messages : historyLength === 0 ? [] : messages.slice(-historyLength);
  const last = history.at(-1);
  return {
    id: delegation.delegationId,
    contextId: delegation.delegationId,
    status: statusOf(delegation, last),
    ...(delegation.status === 'completed' && delegation.resultPreview !== null
      ? { artifacts: [{ artifactId: `${delegation.delegationId}-result`, name: 'result', parts: [{ text: delegation.resultPreview }] }] }
      : {}),
    ...(kept.length > 0 ? { history: kept } : {}),
    metadata: {
      status: delegation.status,
      callerId: delegation.callerId,
      calleeId: delegation.calleeId,
      attempt: delegation.attempt,
      version: delegation.version,
      deadline: delegation.deadline.toISOString(),
      createdAt: delegation.createdAt.toISOString(),
    },
  };
}

/** The status after an event, as a TaskStatusUpdateEvent carries it. */
export function statusUpdate(event: StoredEvent): { taskId: string; contextId: string; status: A2AStatus; metadata: Record<string, unknown> } {
  return {
    taskId: event.delegationId,
    contextId: event.delegationId,
    status: { state: WIRE_STATES[toA2ATaskState(event.toStatus)], message: eventMessage(event), timestamp: event.occurredAt.toISOString() },
    metadata: { status: event.toStatus, event: event.type, position: event.position },
  };
}

function statusOf(delegation: Delegation, last: StoredEvent | undefined): A2AStatus {
  const base = { state: wireState(delegation), timestamp: delegation.updatedAt.toISOString() };
  return last === undefined ? base : { ...base, message: eventMessage(last) };
}

function taskMessage(delegation: Delegation): A2AMessage {
  return {
    messageId: `${delegation.delegationId}:task`,
    contextId: delegation.delegationId,
    taskId: delegation.delegationId,
    role: 'ROLE_USER',
    parts: [{ text: delegation.taskPreview }],
    metadata: { callerId: delegation.callerId },
  };
}

function eventMessage(event: StoredEvent): A2AMessage {
  const [role, text] = describe(event);
  return {
    messageId: `${event.delegationId}:${event.version}`,
    contextId: event.delegationId,
    taskId: event.delegationId,
    role,
    parts: [{ text }],
    metadata: {
      event: event.type,
      position: event.position,
      version: event.version,
      attempt: event.attempt,
      actor: event.actor,
      fromStatus: event.fromStatus,
      toStatus: event.toStatus,
      occurredAt: event.occurredAt.toISOString(),
    },
  };
}

function describe(event: StoredEvent): [Role, string] {
  switch (event.type) {
    case 'created':
      return ['ROLE_USER', `delegated to ${event.data.calleeId}, due ${event.data.deadline}`];
    case 'dispatched':
      return ['ROLE_AGENT', 'handed to the agent'];
    case 'started':
      return ['ROLE_AGENT', 'the agent started'];
    case 'marked_stuck':
      return ['ROLE_AGENT', `stuck: ${event.data.detail}`];
    case 'recovered':
      return ['ROLE_AGENT', 'the agent is beating again'];
    case 'requeued':
      return ['ROLE_AGENT', `requeued as attempt ${event.attempt}${event.data.error ? ` after: ${event.data.error}` : ''}`];
    case 'input_requested':
      return ['ROLE_AGENT', event.data.question ?? 'the agent asks its caller for input'];
    case 'resumed':
      return ['ROLE_USER', event.data.answer ?? 'the caller answered'];
    case 'completed':
      return ['ROLE_AGENT', event.data.result ?? 'completed'];
    case 'failed':
      return ['ROLE_AGENT', event.data.error ?? 'failed'];
    case 'cancelled':
      return ['ROLE_USER', event.data.reason ?? 'cancelled'];
    case 'rejected':
      return ['ROLE_AGENT', event.data.reason ?? 'the agent declined the task'];
    case 'detail_recorded':
      return ['ROLE_AGENT', event.data.result ?? event.data.error ?? 'a detail was recorded'];
    default:
      return assertNever(event);
  }
}
