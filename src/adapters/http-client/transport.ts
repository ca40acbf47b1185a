import type { z } from 'zod';
import { InvalidInputError } from '../../domain/index.js';
import { AccessDeniedError, RequestTimeoutError, ServiceError, ServiceUnavailableError } from './errors.js';
import { type ProblemWire, problemWire } from './wire.js';

export type TransportSettings = {
  readonly baseUrl: URL;
  /** Sent as `Authorization: Bearer`; never part of an error or a log line. */
  readonly token: string | null;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly maxRetryDelayMs: number;
  readonly fetch: typeof fetch;
};

/** Per call: its own time limit (all attempts and the waits between them) and a signal to give up on. */
export type CallOptions = { readonly timeoutMs?: number | undefined; readonly signal?: AbortSignal | undefined };

export type Request = {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>> | undefined;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /**
   * Whether sending it twice does what sending it once does (a beat, a report the ledger answers
   * `unchanged` to, a read). Only such a request is retried after an answer that leaves its
   * outcome unknown; any request is retried when the service says it did nothing (starting).
   */
  readonly replaySafe: boolean;
  /** Statuses the caller reads itself (a 404 that means "no such delegation", a 409 refusal). */
  readonly expect?: readonly number[] | undefined;
};

export type Answer = { readonly status: number; readonly body: unknown };

const FIRST_RETRY_MS = 200;

/** One request to the service: retried while it is unavailable, bounded by the call's time, errors typed. */
export async function send(settings: TransportSettings, request: Request, call: CallOptions = {}): Promise<Answer> {
  const timeoutMs = call.timeoutMs ?? settings.timeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = call.signal === undefined ? timeout : AbortSignal.any([call.signal, timeout]);
  try {
    return await attempts(settings, request, signal);
  } catch (error) {
    // The call's own limit, not the caller's signal: said as a timeout, whatever layer noticed it.
    if (timeout.aborted && call.signal?.aborted !== true) throw new RequestTimeoutError(request.method, request.path, timeoutMs);
    throw error;
  }
}

async function attempts(settings: TransportSettings, request: Request, signal: AbortSignal): Promise<Answer> {
  for (let attempt = 0; ; attempt += 1) {
    signal.throwIfAborted();
    const answer = await once(settings, request, signal);
    if (!(answer instanceof ServiceUnavailableError)) return answer;
    const safe = request.replaySafe || answer.code === 'starting' || answer.code === 'refused_connection';
    if (!safe || attempt >= settings.maxRetries) throw answer;
    await sleep(Math.min(answer.retryAfterMs ?? FIRST_RETRY_MS * 2 ** attempt, settings.maxRetryDelayMs), signal);
  }
}

/** One attempt: the answer, a ServiceUnavailableError to retry on, or a thrown typed error. */
async function once(settings: TransportSettings, request: Request, signal: AbortSignal): Promise<Answer | ServiceUnavailableError> {
  const { method, path } = request;
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  if (settings.token !== null) headers.authorization = `Bearer ${settings.token}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await settings.fetch(urlOf(settings.baseUrl, request), {
      method,
      headers,
      body: request.body === undefined ? null : JSON.stringify(request.body),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return unreachable(method, path, error);
  }
  const text = await response.text();
  const body = parseJson(text);
  if (response.ok || request.expect?.includes(response.status) === true) return { status: response.status, body };
  const problem = problemOf(body, response.status);
  switch (response.status) {
    case 400:
    // 422: well-formed but refused as given (an Idempotency-Key reused for another request), naming the field.
    case 422:
      throw new InvalidInputError(problem.field ?? 'request', problem.message);
    case 401:
    case 403:
      throw new AccessDeniedError(method, path, response.status, problem.error, problem.message);
    case 503:
      return new ServiceUnavailableError(method, path, 503, problem.error, problem.message, retryAfterMs(response.headers.get('retry-after')));
    default:
      throw new ServiceError(method, path, response.status, problem.error, problem.message);
  }
}

/** The JSON body of an answer, or null when it has none (or none that parses). */
function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function problemOf(body: unknown, status: number): ProblemWire {
  const parsed = problemWire.safeParse(body);
  return parsed.success ? parsed.data : { error: `http_${status}`, message: 'the answer carried no problem JSON' };
}

/** Reads an answer's body with its schema; a body that breaks the contract is the service's fault, typed as such. */
export function read<S extends z.ZodType>(schema: S, request: Pick<Request, 'method' | 'path'>, answer: Answer): z.output<S> {
  const parsed = schema.safeParse(answer.body);
  if (parsed.success) return parsed.data;
  const where = parsed.error.issues[0]?.path.join('.') ?? '';
  throw new ServiceError(
    request.method,
    request.path,
    answer.status,
    'unexpected_answer',
    `the answer does not match the API contract${where === '' ? '' : ` at ${where}`}`,
  );
}

function urlOf(base: URL, request: Request): URL {
  // The base may carry a path prefix (a proxy's): the request's path is appended to it.
  const url = new URL(base.href.replace(/\/?$/, '/') + request.path.replace(/^\//, ''));
  for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

function unreachable(method: string, path: string, error: unknown): ServiceUnavailableError {
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  // Refused: nothing was sent, so even a request that is not replay-safe may be sent again.
  const kind = code === 'ECONNREFUSED' ? 'refused_connection' : 'unreachable';
  const detail = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  return new ServiceUnavailableError(method, path, 0, kind, `the service could not be reached (${detail})`, null);
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  // An HTTP date is the server's wall clock against ours: the only reading the header allows.
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener('abort', aborted, { once: true });
  });
}
