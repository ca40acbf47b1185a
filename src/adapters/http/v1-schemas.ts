import { z } from '@hono/zod-openapi';
import { MAX_CLAIM_LIMIT } from '../../app/ledger.js';
import { isStatus, STATUSES, type Status } from '../../domain/index.js';
import { limitSchema, statusFilterSchema } from '../admin/list-query.js';
import { DEFAULT_LIST_LIMIT, DEFAULT_STATUS_FILTER } from '../admin/list-query.js';

// JSON bodies are strict: an unknown field is a 400 naming it. The ledger checks the values
// further (lengths, dates in the future) and names the field it refuses.
const text = z.string({ error: 'must be a string' });
const id = text.min(1, { error: 'must not be empty' });
const attempt = z
  .number({ error: 'must be a positive integer' })
  .int({ error: 'must be a positive integer' })
  .positive({ error: 'must be a positive integer' });

export const retryPolicyInput = z
  .strictObject({
    maxAttempts: z.number().int().positive().optional(),
    initialDelayMs: z.number().int().nonnegative().optional(),
    backoffFactor: z.number().optional(),
    maxDelayMs: z.number().int().nonnegative().optional(),
    jitter: z.number().optional(),
    requeueStuckAfterMs: z.number().int().positive().nullable().optional(),
  })
  .openapi({ description: 'fields left out take the defaults; null turns off a configured default policy' });

export const createBody = z
  .strictObject({
    calleeId: id.openapi({ description: 'the agent (or runtime) the work is addressed to' }),
    task: text.openapi({ description: 'what to do; kept as a 4 KiB preview' }),
    deadline: z.union([text, z.number()], { error: 'must be an ISO date-time string or epoch milliseconds' }).optional().openapi({
      description: 'ISO 8601 date-time (or epoch milliseconds), in the future; default: now + the configured deadline',
    }),
    heartbeatTimeoutMs: z.number({ error: 'must be a positive integer of milliseconds' }).int().positive().optional(),
    retry: retryPolicyInput.nullable().optional(),
    delegationId: id.optional().openapi({ description: 'caller-chosen id; a UUID when absent' }),
    callerId: id.optional().openapi({ description: 'implied by a caller token (another one is 403); required with an admin token' }),
  })
  .openapi('CreateDelegation');

/** Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): a structured-field string, quoted or bare. */
export const IDEMPOTENCY_KEY = /^"?([\x21\x23-\x5b\x5d-\x7e]{1,255})"?$/;
export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY)
    .optional()
    .openapi({ description: 'up to 255 visible ASCII characters (no quote or backslash); a repeat with the same key returns the same delegation' }),
});

const date = (field: string) =>
  text
    .refine((value) => /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value)), { error: `${field} must be an ISO 8601 date-time` })
    .openapi({ format: 'date-time' });

export const v1ListQuery = z.strictObject({
  status: statusFilterSchema.default(DEFAULT_STATUS_FILTER),
  limit: limitSchema.default(DEFAULT_LIST_LIMIT),
  callerId: id.optional(),
  calleeId: id.optional(),
  createdAfter: date('createdAfter').optional(),
  createdBefore: date('createdBefore').optional(),
  cursor: text.optional().openapi({ description: 'nextCursor of the previous page, as given (opaque)' }),
});

export const MAX_WAIT_MS = 60_000;
export const DEFAULT_WAIT_MS = 30_000;
const UNTIL = STATUSES.join(', ');

export const waitQuery = z.strictObject({
  timeoutMs: text
    .regex(/^[0-9]{1,6}$/, { error: `must be a whole number of milliseconds, 1 to ${MAX_WAIT_MS}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, { error: `must be 1 to ${MAX_WAIT_MS}` })
        .max(MAX_WAIT_MS, { error: `must be 1 to ${MAX_WAIT_MS}` }),
    )
    .optional()
    .openapi({ description: `default ${DEFAULT_WAIT_MS}, at most ${MAX_WAIT_MS}` }),
  until: text
    .refine((value) => value.split(',').every(isStatus), { error: `must be statuses separated by commas; allowed: ${UNTIL}` })
    .transform((value) => value.split(',') as Status[])
    .optional()
    .openapi({ description: 'statuses to wait for besides the terminal ones, comma-separated (input_required, say)' }),
});

export const cancelBody = z.strictObject({ reason: text.optional() });
export const resumeBody = z.strictObject({ answer: text.optional() });
export const claimBody = z.strictObject({
  calleeId: id.optional().openapi({ description: 'implied by an agent token (another one is 403); required with an admin token' }),
  limit: z
    .number({ error: `must be a whole number, 1 to ${MAX_CLAIM_LIMIT}` })
    .int({ error: `must be a whole number, 1 to ${MAX_CLAIM_LIMIT}` })
    .min(1, { error: `must be 1 to ${MAX_CLAIM_LIMIT}` })
    .max(MAX_CLAIM_LIMIT, { error: `must be 1 to ${MAX_CLAIM_LIMIT}` })
    .optional(),
});
export const heartbeatBody = z.strictObject({
  attempt: attempt.optional(),
  progress: z.number({ error: 'must be a finite number >= 0' }).nonnegative({ error: 'must be a finite number >= 0' }).optional(),
});
export const completeBody = z.strictObject({ attempt: attempt.optional(), result: text.optional() });
export const failBody = z.strictObject({
  attempt: attempt.optional(),
  error: text.optional(),
  retryable: z.boolean({ error: 'must be true or false' }).optional().openapi({ description: 'another attempt may succeed (requeued under a retry policy)' }),
});
export const inputRequestBody = z.strictObject({ attempt: attempt.optional(), question: text });
export const rejectBody = z.strictObject({ attempt: attempt.optional(), reason: text.optional() });
