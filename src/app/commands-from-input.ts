import type { CreateDelegation, DelegationCommand, Status } from '../domain/index.js';
import { assertNever, InvalidInputError } from '../domain/index.js';
import type { CreateInput, SetStatusOptions } from './ledger-api.js';
import { detailText, durationMs, MAX_DURATION_MS, optionalId, positiveInteger, requireDate, requireId } from './validation.js';

/** Validates a create request into the CreateDelegation command; throws InvalidInputError naming the field. */
export function createCommand(input: CreateInput, now: Date, defaultDeadlineMs: number, newId: () => string): CreateDelegation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidInputError('input', 'must be an object');
  const deadline = input.deadline === undefined ? new Date(now.getTime() + defaultDeadlineMs) : requireDate('deadline', input.deadline);
  if (deadline.getTime() <= now.getTime()) throw new InvalidInputError('deadline', 'must be in the future');
  if (typeof input.task !== 'string') throw new InvalidInputError('task', 'must be a string');
  return {
    type: 'Create',
    delegationId: input.delegationId === undefined ? newId() : requireId('delegationId', input.delegationId),
    callerId: requireId('callerId', input.callerId),
    calleeId: requireId('calleeId', input.calleeId),
    taskPreview: detailText('task', input.task) ?? '',
    deadline,
    heartbeatTimeoutMs: durationMs('heartbeatTimeoutMs', input.heartbeatTimeoutMs, 1, MAX_DURATION_MS) ?? null,
    idempotencyKey: optionalId('idempotencyKey', input.idempotencyKey),
    actor: 'caller',
  };
}

/** The command a requested target status stands for. */
export function statusCommand(status: Status, options: SetStatusOptions): DelegationCommand {
  const actor = options.actor === undefined ? 'agent' : requireId('actor', options.actor);
  const attempt = positiveInteger('attempt', options.attempt);
  const error = detailText('errorDetail', options.errorDetail);
  const result = detailText('resultPreview', options.resultPreview);
  const fenced = { actor, attempt };
  switch (status) {
    case 'queued':
      return { ...fenced, type: 'Requeue' };
    case 'dispatched':
      return { ...fenced, type: 'Dispatch' };
    case 'in_progress':
      return { ...fenced, type: 'Start' };
    case 'stuck':
      return { ...fenced, type: 'MarkStuck', detail: error ?? 'marked stuck', silentForMs: null };
    case 'completed':
      return { ...fenced, type: 'Complete', result };
    case 'failed':
      return { ...fenced, type: 'Fail', error };
    case 'cancelled':
      return { ...fenced, type: 'Cancel', reason: error };
    default:
      return assertNever(status);
  }
}
