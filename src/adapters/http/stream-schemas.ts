import { z } from '@hono/zod-openapi';
import { EVENT_TYPES, type EventType } from '../../domain/index.js';

// Decimal digits only: Number() would also take 0x10, 1e3 and ' 5'.
const DIGITS = /^[0-9]+$/;

/** A position as text (Last-Event-ID, ?from=): a whole number; `min` 0 for "after nothing". */
export function positionText(min: 0 | 1) {
  const message = min === 0 ? 'must be an event position (a whole number, 0 for the start)' : 'must be an event position (a positive whole number)';
  return z
    .string()
    .regex(DIGITS, { error: message })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: message }).max(Number.MAX_SAFE_INTEGER, { error: message }));
}

/** `?types=created,completed`: each one an event type of the domain; the first unknown one is named. */
export const eventTypesText = z
  .string()
  .transform((text, context): EventType[] => {
    const types = text.split(',').map((type) => type.trim());
    const unknown = types.find((type) => !(EVENT_TYPES as readonly string[]).includes(type));
    if (unknown !== undefined) {
      context.addIssue({ code: 'custom', message: `unknown event type ${JSON.stringify(unknown)}; allowed: ${EVENT_TYPES.join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(types as EventType[])];
  })
  .openapi({ type: 'string', example: 'completed,failed', description: `Comma-separated event types, of: ${EVENT_TYPES.join(', ')}` });

export const lastEventIdHeaders = z.object({
  'last-event-id': positionText(0)
    .optional()
    .openapi({ type: 'string', description: 'The id (position) of the last event received: the stream resumes right after it' }),
});

export const sseResponse = (description: string) => ({
  description,
  content: { 'text/event-stream': { schema: z.string().openapi({ description: 'Server-Sent Events' }) } },
});

export const problemSchema = z
  .object({ error: z.string(), message: z.string(), field: z.string().optional() })
  .openapi({ description: 'What was refused and why; `field` names the part of the request to blame' });

export const problemResponse = (description: string) => ({ description, content: { 'application/json': { schema: problemSchema } } });
