import type { CreateDelegation, DelegationCommand, RetryPolicy, Status } from '../domain/index.js';
import { assertNever, InvalidInputError } from '../domain/index.js';
import type { CreateInput, SetStatusOptions } from './ledger-api.js';
import { retryPolicy } from './retry-policy.js';
import { detailText, durationMs, MAX_DURATION_MS, optionalBoolean, optionalId, positiveInteger, requireDate, requiredText, requireId } from './validation.js';

export type CreateDefaults = {
  readonly defaultDeadlineMs: number;
  /** The configured policy for a create that names none. */
  readonly retry: RetryPolicy | null;
};

/** Validates a create request into the CreateDelegation command; throws InvalidInputError naming the field. */
export function createCommand(input: CreateInput, now: Date, defaults: CreateDefaults, newId: () => string): CreateDelegation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidInputError('input', 'must be an object');
  const deadline = input.deadline === undefined ? new Date(now.getTime() + defaults.defaultDeadlineMs) : requireDate('deadline', input.deadline);
  if (deadline.getTime() <= now.getTime()) throw new InvalidInputError('deadline', 'must be in the future');
  return {
    type: 'Create',
    delegationId: input.delegationId === undefined ? newId() : requireId('delegationId', input.delegationId),
    callerId: requireId('callerId', input.callerId),
    calleeId: requireId('calleeId', input.calleeId),
    taskPreview: requiredText('task', input.task),
    deadline,
    heartbeatTimeoutMs: durationMs('heartbeatTimeoutMs', input.heartbeatTimeoutMs, 1, MAX_DURATION_MS) ?? null,
    idempotencyKey: optionalId('idempotencyKey', input.idempotencyKey),
    retry: input.retry === undefined ? defaults.retry : retryPolicy('retry', input.retry),
    actor: 'caller',
  };
}

/** The command a requested target status stands for; `sample` is the jitter draw a retryable failure may need. */
export function statusCommand(status: Status, options: SetStatusOptions, sample: number): DelegationCommand {
  const actor = options.actor === undefined ? 'agent' : requireId('actor', options.actor);
  const attempt = positiveInteger('attempt', options.attempt);
  const error = detailText('errorDetail', options.errorDetail);
  const result = detailText('resultPreview', options.resultPreview);
  const retryable = optionalBoolean('retryable', options.retryable);
  if (retryable !== undefined && status !== 'failed') throw new InvalidInputError('retryable', 'applies only to status failed');
  const fenced = { actor, attempt };
  switch (status) {
    case 'queued':
      return { ...fenced, type: 'Requeue' };
    case 'dispatched':
      return { ...fenced, type: 'Dispatch' };
    case 'in_progress':
      return { ...fenced, type: 'Start' };
    case 'input_required':
      return { ...fenced, type: 'RequestInput', question: error };
    case 'stuck':
      return { ...fenced, type: 'MarkStuck', detail: error ?? 'marked stuck', silentForMs: null };
    case 'completed':
      return { ...fenced, type: 'Complete', result };
    case 'failed':
      return retryable ? { ...fenced, type: 'Fail', error, retryable, sample } : { ...fenced, type: 'Fail', error };
    case 'cancelled':
      return { ...fenced, type: 'Cancel', reason: error };
    case 'rejected':
      return { ...fenced, type: 'Reject', reason: error };
    // Stryker disable next-line all: unreachable, requireStatus lets only the nine statuses through
    default:
      return assertNever(status);
  }
}
