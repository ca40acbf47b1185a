import { z } from '@hono/zod-openapi';
import type { WebhookDelivery, WebhookEndpoint } from '../../app/webhooks-api.js';
import { EVENT_TYPES } from '../../domain/index.js';

export const ProblemSchema = z
  .object({ error: z.string(), message: z.string(), field: z.string().optional() })
  .catchall(z.unknown())
  .openapi('Problem', { description: 'Why the request was refused; `field` names the field, header or part to blame' });

const eventType = z.enum(EVENT_TYPES);

export const RegisterWebhookBody = z
  .strictObject({
    url: z.string({ error: 'must be a string' }).openapi({ description: 'http or https, no credentials; private and loopback addresses are allowed' }),
    eventTypes: z
      .array(eventType, { error: `must be a list of event types (${EVENT_TYPES.join(', ')})` })
      .optional()
      .openapi({ description: 'Only these event types; absent or empty: every type' }),
    secret: z.string({ error: 'must be a string' }).optional().openapi({ description: 'whsec_ followed by base64 of 24 to 64 bytes; generated when absent' }),
    description: z.string({ error: 'must be a string' }).max(500).optional(),
  })
  .openapi('RegisterWebhook');

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    eventTypes: z.array(eventType).nullable().openapi({ description: 'null: every event type' }),
    description: z.string().nullable(),
    status: z.enum(['active', 'paused']),
    pausedReason: z.string().nullable(),
    pausedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Webhook');

export const RegisteredWebhookSchema = z
  .object({ webhook: WebhookSchema, secret: z.string().openapi({ description: 'Shown in this answer only, never again' }) })
  .openapi('RegisteredWebhook');

export const WebhookEnvelope = z.object({ webhook: WebhookSchema }).openapi('WebhookAnswer');
export const WebhookList = z.object({ webhooks: z.array(WebhookSchema) }).openapi('WebhookList');
export const DeletedSchema = z.object({ deleted: z.string().openapi({ description: 'The id of the endpoint removed' }) });

export const DeliverySchema = z
  .object({
    id: z.number().int(),
    webhookId: z.string().openapi({ description: 'The webhook-id header: evt_<event position>, the same on every attempt' }),
    eventPosition: z.number().int(),
    eventType: eventType,
    attempt: z.number().int(),
    outcome: z.enum(['delivered', 'failed']),
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    attemptedAt: z.string(),
  })
  .openapi('WebhookDelivery');

export const DeliveryPageSchema = z
  .object({ deliveries: z.array(DeliverySchema), nextCursor: z.string().nullable() })
  .openapi('WebhookDeliveryPage', { description: 'Newest first' });

export const IdParams = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(255)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

export const NoQuery = z.strictObject({});

export const NoBody = z.strictObject({});

export const DeliveriesQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'must be an integer from 1 to 500')
    .optional()
    .openapi({ description: 'Attempts per page, 1 to 500 (default 50)' }),
  cursor: z.string().max(20).optional().openapi({ description: 'nextCursor of the previous page' }),
});

export type WebhookView = z.infer<typeof WebhookSchema>;
export type DeliveryView = z.infer<typeof DeliverySchema>;

export function webhookView(endpoint: WebhookEndpoint): WebhookView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes === null ? null : [...endpoint.eventTypes],
    description: endpoint.description,
    status: endpoint.status,
    pausedReason: endpoint.pausedReason,
    pausedAt: endpoint.pausedAt?.toISOString() ?? null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

export function deliveryView(delivery: WebhookDelivery): DeliveryView {
  const { endpointId: _endpointId, attemptedAt, ...rest } = delivery;
  return { ...rest, attemptedAt: attemptedAt.toISOString() };
}
