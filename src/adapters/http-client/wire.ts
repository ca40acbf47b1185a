import { z } from 'zod';
import type { HeartbeatOutcome, TransitionOutcome } from '../../app/ledger-api.js';
import { type Delegation, EVENT_TYPES, STATUSES, type StoredEvent } from '../../domain/index.js';

/**
 * The service's answers as the library's own types: ISO strings become Dates, and an answer
 * that is not what the contract says is refused here rather than handed on half-typed.
 */
const date = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const status = z.enum(STATUSES);

const retryPolicy = z.object({
  maxAttempts: z.number(),
  initialDelayMs: z.number(),
  backoffFactor: z.number(),
  maxDelayMs: z.number(),
  jitter: z.number(),
  requeueStuckAfterMs: z.number().nullable(),
});

export const delegationWire = z
  .object({
    delegationId: z.string(),
    callerId: z.string(),
    calleeId: z.string(),
    taskPreview: z.string(),
    status,
    attempt: z.number().int(),
    version: z.number().int(),
    deadline: date,
    heartbeatTimeoutMs: z.number().nullable(),
    idempotencyKey: z.string().nullable(),
    lastHeartbeat: date.nullable(),
    activeSince: date.nullable(),
    progress: z.number().nullable(),
    retry: retryPolicy.nullable(),
    availableAt: date.nullable(),
    createdAt: date,
    updatedAt: date,
    resultPreview: z.string().nullable(),
    errorDetail: z.string().nullable(),
  })
  // The variant's fields follow its status on the server; the wire cannot say more than the columns.
  .transform((value) => value as Delegation);

export const eventWire = z
  .object({
    type: z.enum(EVENT_TYPES),
    delegationId: z.string(),
    attempt: z.number().int(),
    fromStatus: status.nullable(),
    toStatus: status,
    actor: z.string(),
    occurredAt: date,
    data: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    position: z.number().int(),
  })
  .transform((value) => value as StoredEvent);

export const delegationAnswer = z.object({ delegation: delegationWire });
export const shownAnswer = z.object({ delegation: delegationWire, history: z.array(eventWire) });
export const listAnswer = z.object({ delegations: z.array(delegationWire), nextCursor: z.string().nullable() });
export const claimAnswer = z.object({ delegations: z.array(delegationWire) });
/** 409 on create: the delegationId belongs to another delegation (what ledger.create throws DelegationExistsError for). */
export const existsAnswer = z.object({ error: z.literal('exists'), delegationId: z.string() });
export const waitAnswer = z.object({ delegation: delegationWire, timedOut: z.boolean() });

const refusalReason = z.enum(['terminal', 'not_allowed', 'stale_attempt', 'unknown_attempt', 'not_available', 'not_found', 'already_exists']);

/** 200: applied (with its event) or unchanged. */
export const transitionAnswer = z
  .discriminatedUnion('outcome', [
    z.object({ outcome: z.literal('applied'), delegation: delegationWire, event: eventWire }),
    z.object({ outcome: z.literal('unchanged'), delegation: delegationWire }),
  ])
  .transform((value) => value as TransitionOutcome);

/** 409 refused: the problem carries the refusal and the delegation as it stands. */
export const refusedAnswer = z
  .object({ error: z.literal('refused'), reason: refusalReason, message: z.string(), delegation: delegationWire })
  .transform(({ reason, message, delegation }): TransitionOutcome => ({ outcome: 'refused', reason, message, delegation }));

const STOP_REASON_VALUES = [...STATUSES, 'superseded', 'unknown_attempt', 'not_available', 'not_found'] as const;

export const heartbeatAnswer = z
  .object({
    outcome: z.enum(['recorded', 'unchanged', 'applied', 'refused', 'not_found']),
    stop: z.boolean(),
    reason: z.enum(STOP_REASON_VALUES).nullable(),
    heartbeatTimeoutMs: z.number().nullable(),
    delegation: delegationWire.nullable(),
    status: status.nullable(),
    deadline: date.nullable(),
    attempt: z.number().int().nullable(),
    event: eventWire.optional(),
    refusal: z.object({ reason: refusalReason, message: z.string() }).optional(),
  })
  .refine((beat) => beat.stop === (beat.reason !== null), { message: 'stop and reason disagree' })
  .refine((beat) => beat.stop || beat.delegation !== null, { message: 'a go-on answer without its delegation' })
  .transform((value) => value as HeartbeatOutcome);

/** The problem JSON every refusal of the service carries (src/adapters/http/problem.ts). */
export const problemWire = z.looseObject({ error: z.string(), message: z.string(), field: z.string().optional(), delegationId: z.string().optional() });
export type ProblemWire = z.infer<typeof problemWire>;
