import type { Context } from 'hono';
import { z } from 'zod';
import { firstIssue, STATUS_FILTERS } from '../admin/list-query.js';

export const cancelBodySchema = z.strictObject({ reason: z.string({ error: 'must be a string' }).optional() });

export type BadRequest = { error: 'bad_request'; field: string; message: string; allowed?: readonly string[] };

export function badRequest(field: string, message: string): BadRequest {
  return field === 'status' ? { error: 'bad_request', field, message, allowed: STATUS_FILTERS } : { error: 'bad_request', field, message };
}

/** zValidator's hook: a failed parse answers 400 naming the first field that is wrong. */
export function validationHook(result: { success: true } | { success: false; error: z.core.$ZodError }, c: Context): Response | undefined {
  if (result.success) return undefined;
  const { field, message } = firstIssue(result.error);
  return c.json(badRequest(field, message), 400);
}
