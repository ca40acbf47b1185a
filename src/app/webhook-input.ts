import { randomBytes } from 'node:crypto';
import { EVENT_TYPES, InvalidInputError, type EventType } from '../domain/index.js';
import type { RegisterWebhookInput } from './webhooks-api.js';
import { detailText, optionsObject } from './validation.js';

const SECRET_PREFIX = 'whsec_';
// The Standard Webhooks spec: secrets of 24 to 64 random bytes.
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_URL_LENGTH = 2048;
const MAX_DESCRIPTION_LENGTH = 500;

export type CheckedRegistration = {
  readonly url: string;
  readonly eventTypes: readonly EventType[] | null;
  readonly secret: string;
  readonly description: string | null;
};

/** The registration as stored, every field checked; a fresh secret when none was given. */
export function checkRegistration(given: RegisterWebhookInput): CheckedRegistration {
  const input = optionsObject('input', given) as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['url', 'eventTypes', 'secret', 'description'].includes(key)) throw new InvalidInputError(key, 'is not a known field');
  }
  return {
    url: checkUrl(input.url),
    eventTypes: checkEventTypes(input.eventTypes),
    secret: input.secret === undefined ? newSecret() : checkSecret(input.secret),
    description: checkDescription(input.description),
  };
}

/** http or https, absolute, no credentials and no fragment. Private and loopback addresses are allowed (see README). */
export function checkUrl(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new InvalidInputError('url', 'must be an http or https URL');
  if (value.length > MAX_URL_LENGTH) throw new InvalidInputError('url', `must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError('url', 'must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidInputError('url', `must use http or https, not ${url.protocol.slice(0, -1)}`);
  // Credentials in a URL end up in logs and in the admin API's answers; the signature is the authentication.
  if (url.username !== '' || url.password !== '') throw new InvalidInputError('url', 'must not carry credentials (user:password@)');
  if (url.hash !== '') throw new InvalidInputError('url', 'must not have a fragment (#...): it is never sent');
  return url.href;
}

function checkEventTypes(value: unknown): readonly EventType[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new InvalidInputError('eventTypes', 'must be a list of event types');
  if (value.length === 0) return null;
  for (const type of value) {
    if (!(EVENT_TYPES as readonly unknown[]).includes(type)) {
      throw new InvalidInputError('eventTypes', `unknown event type ${JSON.stringify(type)}; known: ${EVENT_TYPES.join(', ')}`);
    }
  }
  return [...new Set(value as EventType[])];
}

function checkSecret(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith(SECRET_PREFIX)) throw new InvalidInputError('secret', `must be ${SECRET_PREFIX} followed by base64`);
  const encoded = value.slice(SECRET_PREFIX.length);
  // The message never repeats the value: it is a secret.
  if (!BASE64.test(encoded)) throw new InvalidInputError('secret', `must be ${SECRET_PREFIX} followed by standard base64`);
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new InvalidInputError('secret', `must encode ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes (this one has ${bytes})`);
  }
  return value;
}

function checkDescription(value: unknown): string | null {
  const text = detailText('description', value);
  if (text !== null && text.length > MAX_DESCRIPTION_LENGTH) throw new InvalidInputError('description', `must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
  return text;
}

/** 32 random bytes, as the spec's whsec_ format. */
export function newSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}
