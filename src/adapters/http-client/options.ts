import { durationMs, optionsObject } from '../../app/validation.js';
import { InvalidInputError } from '../../domain/index.js';
import type { TransportSettings } from './transport.js';

export type ClientOptions = {
  /** Where the daemon listens, e.g. `http://127.0.0.1:8080`; a path prefix (a proxy's) is kept. */
  readonly baseUrl: string | URL;
  /** A caller's, an agent's or the admin token; none for a daemon without tokens (loopback admin). */
  readonly token?: string | undefined;
  /** Each call's time limit, retries and their waits included; default 30 s. */
  readonly timeoutMs?: number | undefined;
  /** Retries of a call the service could not take (503, no connection); default 3. */
  readonly maxRetries?: number | undefined;
  /** The longest wait between retries, however long Retry-After asks for; default 5 s. */
  readonly maxRetryDelayMs?: number | undefined;
  /** Default the global fetch (undici: connections kept alive and reused). */
  readonly fetch?: typeof fetch | undefined;
};

export const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRIES = 3;
const DEFAULT_MAX_RETRY_DELAY_MS = 5_000;
const MAX_RETRIES = 100;
const MAX_CALL_MS = 24 * 3_600_000;
// RFC 6750 section 2.1: what a bearer token may hold (no spaces, no line breaks that would split a header).
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Options checked once; no message repeats the token or the URL's credentials. */
export function settingsOf(options: ClientOptions): TransportSettings {
  const given = optionsObject('options', options);
  const fetchFn = given.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') throw new InvalidInputError('fetch', 'must be a function (this runtime has no global fetch)');
  const maxRetries = given.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isSafeInteger(maxRetries) || maxRetries < 0 || maxRetries > MAX_RETRIES)
    throw new InvalidInputError('maxRetries', `must be an integer from 0 to ${MAX_RETRIES}`);
  return {
    baseUrl: baseUrlOf(given.baseUrl),
    token: tokenOf(given.token),
    timeoutMs: durationMs('timeoutMs', given.timeoutMs, 1, MAX_CALL_MS) ?? DEFAULT_TIMEOUT_MS,
    maxRetries,
    maxRetryDelayMs: durationMs('maxRetryDelayMs', given.maxRetryDelayMs, 0, MAX_CALL_MS) ?? DEFAULT_MAX_RETRY_DELAY_MS,
    fetch: fetchFn,
  };
}

function baseUrlOf(value: unknown): URL {
  if (!(value instanceof URL) && typeof value !== 'string') throw new InvalidInputError('baseUrl', 'must be a URL (string or URL)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError('baseUrl', 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidInputError('baseUrl', 'must be an http(s) URL');
  if (url.username !== '' || url.password !== '') throw new InvalidInputError('baseUrl', 'must not carry credentials; give the token as `token`');
  if (url.search !== '' || url.hash !== '') throw new InvalidInputError('baseUrl', 'must not have a query or a fragment');
  return url;
}

function tokenOf(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || !B64TOKEN.test(value)) throw new InvalidInputError('token', 'must be a bearer token (letters, digits and -._~+/ only)');
  return value;
}
