import { z } from '@hono/zod-openapi';
import { EVENT_TYPES, STATUSES } from '../../domain/index.js';
import { STOP_REASONS } from '../../app/ledger-api.js';

// What the API answers, for the document: the ledger's own types as JSON (dates as ISO strings).
const date = z.iso.datetime();

export const problemSchema = z
  .object({
    error: z.string().openapi({ description: 'what kind of refusal: bad_request, unauthorized, forbidden, not_found, refused, ...' }),
    message: z.string(),
    field: z.string().optional().openapi({ description: 'the field, header or part of the request to blame' }),
  })
  .catchall(z.unknown())
  .openapi('Problem');

const retryPolicySchema = z
  .object({
    maxAttempts: z.number().int(),
    initialDelayMs: z.number().int(),
    backoffFactor: z.number(),
    maxDelayMs: z.number().int(),
    jitter: z.number(),
    requeueStuckAfterMs: z.number().int().nullable(),
  })
  .openapi('RetryPolicy');

export const delegationSchema = z
  .object({
    delegationId: z.string(),
    callerId: z.string(),
    calleeId: z.string(),
    taskPreview: z.string(),
    status: z.enum(STATUSES),
    attempt: z.number().int(),
    version: z.number().int(),
    deadline: date,
    heartbeatTimeoutMs: z.number().int().nullable(),
    idempotencyKey: z.string().nullable(),
    lastHeartbeat: date.nullable(),
    activeSince: date.nullable(),
    progress: z.number().nullable(),
    retry: retryPolicySchema.nullable(),
    availableAt: date.nullable(),
    resultPreview: z.string().nullable(),
    errorDetail: z.string().nullable().openapi({ description: 'the error, the stuck detail, the question asked, or the reason of a cancel or reject' }),
    createdAt: date,
    updatedAt: date,
  })
  .openapi('Delegation');

export const eventSchema = z
  .object({
    position: z.number().int(),
    delegationId: z.string(),
    version: z.number().int(),
    attempt: z.number().int(),
    type: z.enum(EVENT_TYPES),
    fromStatus: z.enum(STATUSES).nullable(),
    toStatus: z.enum(STATUSES),
    actor: z.string(),
    occurredAt: date,
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('Event');

export const withHistorySchema = z.object({ delegation: delegationSchema, history: z.array(eventSchema) });

export const transitionSchema = z
  .object({
    outcome: z.enum(['applied', 'unchanged']),
    delegation: delegationSchema,
    event: eventSchema.optional().openapi({ description: 'present when applied' }),
  })
  .openapi('Transition');

export const refusedSchema = z
  .object({ error: z.literal('refused'), reason: z.string(), message: z.string(), delegation: delegationSchema })
  .openapi('Refused');

export const heartbeatAnswerSchema = z
  .object({
    outcome: z.enum(['recorded', 'applied', 'unchanged', 'refused', 'not_found']),
    stop: z.boolean().openapi({ description: 'true: the agent must stop working on this delegation; `reason` says why' }),
    reason: z.enum(STOP_REASONS).nullable(),
    delegation: delegationSchema.nullable(),
    status: z.enum(STATUSES).nullable(),
    deadline: date.nullable(),
    attempt: z.number().int().nullable(),
    heartbeatTimeoutMs: z.number().int().nullable(),
    event: eventSchema.optional(),
    refusal: z.object({ reason: z.string(), message: z.string() }).optional(),
  })
  .openapi('HeartbeatAnswer');

export const statsSchema = z.record(z.enum(STATUSES), z.number().int()).openapi('Stats');

export const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable', 'starting']),
  database: z.enum(['reachable', 'unreachable', 'opening']),
  lastSweep: z.record(z.string(), z.unknown()).nullable(),
  failedSweeps: z.number().int(),
});
