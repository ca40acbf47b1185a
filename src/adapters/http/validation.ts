import { z } from 'zod';

export const cancelBodySchema = z.strictObject({ reason: z.string({ error: 'must be a string' }).optional() });

/** Retry takes no fields; an empty object (or no body at all) is accepted. */
export const retryBodySchema = z.strictObject({});
