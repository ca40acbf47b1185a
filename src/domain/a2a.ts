import { assertNever, type Status } from './status.js';

/** The task states of the A2A protocol (its TaskState enum) that a delegation can be in. */
export const A2A_TASK_STATES = ['submitted', 'working', 'input-required', 'completed', 'failed', 'canceled', 'rejected'] as const;
export type A2ATaskState = (typeof A2A_TASK_STATES)[number];

/**
 * A delegation's status as an A2A task state. Queued and dispatched are both "submitted" (no
 * agent works on it yet); stuck is still "working": A2A has no state for a silent agent, and
 * the delegation is in flight until the sweeper or an operator decides.
 */
export function toA2ATaskState(status: Status): A2ATaskState {
  switch (status) {
    case 'queued':
    case 'dispatched':
      return 'submitted';
    case 'in_progress':
    case 'stuck':
      return 'working';
    case 'input_required':
      return 'input-required';
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'canceled';
    case 'rejected':
      return 'rejected';
    default:
      return assertNever(status);
  }
}
