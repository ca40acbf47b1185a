import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AccessDeniedError,
  createClient,
  type Delegation,
  DelegationNotFoundError,
  InvalidInputError,
  RequestTimeoutError,
  ServiceError,
  ServiceUnavailableError,
  type StoredEvent,
  WaitTimeoutError,
} from '../../src/client.js';
import { memoryHarness, type Harness } from '../support/memory.js';

const TOKEN = 'agent-secret-token_42';
const BASE = 'http://127.0.0.1:9/prefix';

type Sent = { readonly method: string; readonly url: URL; readonly headers: Headers; readonly body: unknown };
type Reply = Response | ((sent: Sent, signal: AbortSignal) => Promise<Response>);

/** A fetch that records what it was asked and answers from a script, in order. */
function fakeFetch(...replies: Reply[]) {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const entry = { method: init.method ?? 'GET', url: new URL(String(input)), headers: new Headers(init.headers), body };
    sent.push(entry);
    const reply = replies.shift();
    if (reply === undefined) throw new Error(`unscripted request ${entry.method} ${entry.url}`);
    return typeof reply === 'function' ? reply(entry, init.signal as AbortSignal) : reply;
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** As Hono's c.json writes it: the same JSON.stringify of the ledger's own objects. */
function wire<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value));
}

let harness: Harness;
let running: Delegation;
let history: StoredEvent[];
beforeAll(async () => {
  harness = await memoryHarness();
  const created = await harness.ledger.create({ callerId: 'caller-a', calleeId: 'agent-a', task: 'summarise', retry: { maxAttempts: 2 } });
  await harness.ledger.heartbeat(created.delegationId, { attempt: 1, progress: 0.5 });
  running = (await harness.ledger.get(created.delegationId)) as Delegation;
  history = await harness.ledger.history(created.delegationId);
});
afterAll(() => harness.close());
afterEach(() => {
  vi.useRealTimers();
});

describe('the HTTP client: requests', () => {
  it('sends the bearer token, JSON bodies and the Idempotency-Key, under the base URL’s path prefix', async () => {
    const { fetch, sent } = fakeFetch(json(201, wire({ delegation: running })));
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    const deadline = new Date('2030-01-02T03:04:05.000Z');
    const created = await client.create({ calleeId: 'agent-a', task: 'summarise', deadline, idempotencyKey: 'order-7' });
    expect(created).toEqual(running);
    expect(created.deadline).toBeInstanceOf(Date);
    const [request] = sent;
    expect(request?.method).toBe('POST');
    expect(request?.url.pathname).toBe('/prefix/v1/delegations');
    expect(request?.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers.get('idempotency-key')).toBe('order-7');
    expect(request?.headers.get('content-type')).toBe('application/json');
    expect(request?.body).toEqual({ calleeId: 'agent-a', task: 'summarise', deadline: deadline.toISOString() });
  });

  it('encodes a delegation id as one path segment and sends no Authorization without a token', async () => {
    const { fetch, sent } = fakeFetch(json(200, wire({ delegation: running, history })));
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', fetch });
    const shown = await client.show('a/b?c#d');
    expect(sent[0]?.url.pathname).toBe('/v1/delegations/a%2Fb%3Fc%23d');
    expect(sent[0]?.headers.has('authorization')).toBe(false);
    expect(shown?.history.map((event) => event.type)).toEqual(history.map((event) => event.type));
    expect(shown?.history[0]?.occurredAt).toBeInstanceOf(Date);
  });

  it('passes list filters as query parameters and walks every page with listAll', async () => {
    const { fetch, sent } = fakeFetch(
      json(200, wire({ delegations: [running], nextCursor: 'c1' })),
      json(200, wire({ delegations: [running], nextCursor: null })),
    );
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    const after = new Date('2026-01-01T00:00:00.000Z');
    const all: Delegation[] = [];
    for await (const delegation of client.listAll({ status: 'in_flight', calleeId: 'agent-a', createdAfter: after, limit: 1 })) all.push(delegation);
    expect(all).toHaveLength(2);
    expect(Object.fromEntries(sent[0]?.url.searchParams ?? [])).toEqual({
      status: 'in_flight',
      calleeId: 'agent-a',
      createdAfter: after.toISOString(),
      limit: '1',
    });
    expect(sent[1]?.url.searchParams.get('cursor')).toBe('c1');
  });

  it('refuses bad input before any request, naming the field', async () => {
    const { fetch, sent } = fakeFetch();
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    await expect(client.heartbeat('', { attempt: 1 })).rejects.toMatchObject({ name: 'InvalidInputError', field: 'delegationId' });
    await expect(client.heartbeat('d1', { attempt: 0 })).rejects.toMatchObject({ field: 'attempt' });
    await expect(client.heartbeat('d1', { progress: -1 })).rejects.toMatchObject({ field: 'progress' });
    await expect(client.create({ calleeId: 'a', task: 't', deadline: 'soon' })).rejects.toMatchObject({ field: 'deadline' });
    await expect(client.waitFor('d1', { until: ['sleeping' as never] })).rejects.toMatchObject({ field: 'until' });
    await expect(client.setStatus('d1', 'in_progress')).rejects.toMatchObject({ field: 'status' });
    expect(sent).toEqual([]);
  });

  it('refuses options that would leak or break: credentials in the URL, a token that is not one', () => {
    expect(() => createClient({ baseUrl: 'http://user:hunter2@127.0.0.1:9' })).toThrow(InvalidInputError);
    expect(() => createClient({ baseUrl: 'http://user:hunter2@127.0.0.1:9' })).not.toThrow(/hunter2/);
    expect(() => createClient({ baseUrl: 'ftp://127.0.0.1' })).toThrow(/baseUrl/);
    expect(() => createClient({ baseUrl: BASE, token: 'two words' })).toThrow(/token/);
    expect(() => createClient({ baseUrl: BASE, token: 'line\nbreak' })).not.toThrow(/line/);
    expect(() => createClient({ baseUrl: BASE, maxRetries: -1 })).toThrow(/maxRetries/);
  });
});

describe('the HTTP client: answers as the ledger gives them', () => {
  it('a 409 refusal is the refused outcome, a 404 not_found, a 200 applied with its event', async () => {
    const refusal = { error: 'refused', reason: 'stale_attempt', message: 'attempt 1 was superseded', delegation: running };
    const applied = await harness.ledger.cancel((await harness.ledger.create({ callerId: 'c', calleeId: 'a', task: 't' })).delegationId);
    const { fetch } = fakeFetch(json(409, wire(refusal)), json(404, { error: 'not_found', message: 'no', delegationId: 'gone' }), json(200, wire(applied)));
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    expect(await client.complete(running.delegationId, { attempt: 1, result: 'ok' })).toEqual({
      outcome: 'refused',
      reason: 'stale_attempt',
      message: 'attempt 1 was superseded',
      delegation: running,
    });
    expect(await client.cancel('gone')).toEqual({ outcome: 'not_found', delegationId: 'gone' });
    const outcome = await client.cancel(applied.outcome === 'applied' ? applied.delegation.delegationId : '');
    expect(outcome).toEqual(applied);
  });

  it('setStatus goes to the route of the status it reports, with the runner’s fields renamed as the routes name them', async () => {
    const unchanged = { outcome: 'unchanged', delegation: running };
    const { fetch, sent } = fakeFetch(json(200, wire(unchanged)), json(200, wire(unchanged)), json(200, wire(unchanged)));
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    await client.setStatus('d1', 'completed', { attempt: 2, resultPreview: 'done', actor: 'agent' });
    await client.setStatus('d1', 'failed', { attempt: 2, errorDetail: 'boom', retryable: true });
    await client.setStatus('d1', 'rejected', { attempt: 2, errorDetail: 'not mine' });
    expect(sent.map((s) => [s.url.pathname, s.body])).toEqual([
      ['/prefix/v1/delegations/d1/complete', { attempt: 2, result: 'done' }],
      ['/prefix/v1/delegations/d1/fail', { attempt: 2, error: 'boom', retryable: true }],
      ['/prefix/v1/delegations/d1/reject', { attempt: 2, reason: 'not mine' }],
    ]);
  });

  it('a heartbeat answer is the ledger’s outcome, Dates included; a 404 is the stop the ledger gives for no such delegation', async () => {
    const beat = await harness.ledger.heartbeat(running.delegationId, { attempt: 1 });
    const { fetch } = fakeFetch(json(200, wire(beat)), json(404, { error: 'not_found', message: 'no', delegationId: 'gone' }));
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    const answer = await client.heartbeat(running.delegationId, { attempt: 1 });
    expect(answer).toEqual(beat);
    expect(answer.deadline).toBeInstanceOf(Date);
    expect(await client.heartbeat('gone')).toMatchObject({ outcome: 'not_found', stop: true, reason: 'not_found', delegation: null });
  });

  it('an answer that breaks the contract is a ServiceError, not a half-typed object', async () => {
    const { fetch } = fakeFetch(json(200, { delegation: { ...(wire(running) as object), deadline: 'tomorrow' } }));
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    await expect(client.get(running.delegationId)).rejects.toMatchObject({
      name: 'ServiceError',
      code: 'unexpected_answer',
      message: expect.stringContaining('delegation.deadline'),
    });
  });
});

describe('the HTTP client: errors', () => {
  it('400 is InvalidInputError naming the field the service named', async () => {
    const { fetch } = fakeFetch(json(400, { error: 'bad_request', field: 'reason', message: 'must be a string' }));
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    const error = await client.cancel('d1', { reason: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'reason', problem: 'must be a string' });
  });

  it('401 and 403 are AccessDeniedError, and no error carries the token', async () => {
    const { fetch } = fakeFetch(
      json(401, { error: 'unauthorized', message: 'a valid bearer token is required' }, { 'www-authenticate': 'Bearer realm="delegations"' }),
      json(403, { error: 'forbidden', message: 'delegation d1 is not yours' }),
    );
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    const unauthorized = await client.get('d1').catch((e: unknown) => e);
    const forbidden = await client.cancel('d1').catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(AccessDeniedError);
    expect(unauthorized).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(forbidden).toMatchObject({ name: 'AccessDeniedError', status: 403, code: 'forbidden', message: expect.stringContaining('not yours') });
    for (const error of [unauthorized, forbidden])
      expect(JSON.stringify({ ...(error as object), message: (error as Error).message, stack: (error as Error).stack })).not.toContain(TOKEN);
  });

  it('503 is retried after Retry-After, bounded by maxRetryDelayMs, then succeeds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const beat = await harness.ledger.heartbeat(running.delegationId, { attempt: 1 });
    const { fetch, sent } = fakeFetch(
      json(503, { error: 'database_unavailable', message: 'retry shortly' }, { 'retry-after': '2' }),
      json(503, { error: 'database_unavailable', message: 'retry shortly' }, { 'retry-after': '120' }),
      json(200, wire(beat)),
    );
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch, maxRetryDelayMs: 3_000 });
    const answer = client.heartbeat(running.delegationId, { attempt: 1 });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    // 120 s asked for, 3 s allowed.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sent).toHaveLength(3);
    expect(await answer).toEqual(beat);
  });

  it('a 503 past the retries is ServiceUnavailableError with what Retry-After asked for', async () => {
    const busy = () => json(503, { error: 'starting', message: 'the database is still opening' }, { 'retry-after': '0' });
    const { fetch, sent } = fakeFetch(busy(), busy(), busy());
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch, maxRetries: 2 });
    const error = await client.get('d1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'starting', retryable: true, retryAfterMs: 0 });
    expect(sent).toHaveLength(3);
  });

  it('a request that is not replay-safe is not sent again when its outcome is unknown, but is when the service did nothing', async () => {
    const down = () => json(503, { error: 'database_timeout', message: 'not answering in time' }, { 'retry-after': '0' });
    const { fetch, sent } = fakeFetch(down(), json(503, { error: 'starting', message: 'opening' }, { 'retry-after': '0' }), json(200, { delegations: [] }));
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    await expect(client.claim({ limit: 1 })).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(sent).toHaveLength(1);
    expect(await client.claim({ limit: 1 })).toEqual([]);
    expect(sent).toHaveLength(3);
    // Without an idempotency key a create is not replay-safe either.
    const second = fakeFetch(down());
    await expect(createClient({ baseUrl: BASE, fetch: second.fetch }).create({ calleeId: 'a', task: 't' })).rejects.toMatchObject({ code: 'database_timeout' });
    expect(second.sent).toHaveLength(1);
  });

  it('other statuses are a ServiceError with the server’s code and message', async () => {
    const { fetch } = fakeFetch(
      json(500, { error: 'internal', message: 'internal error (logged)' }),
      new Response('<html>bad gateway</html>', { status: 502 }),
    );
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    await expect(client.get('d1')).rejects.toMatchObject({ name: 'ServiceError', status: 500, code: 'internal' });
    await expect(client.get('d1')).rejects.toMatchObject({ name: 'ServiceError', status: 502, code: 'http_502' });
  });

  it('a call past its timeoutMs is RequestTimeoutError; an aborted signal rejects with its reason', async () => {
    const hang = (_sent: Sent, signal: AbortSignal) =>
      new Promise<Response>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    const { fetch } = fakeFetch(hang, hang);
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    const timedOut = await client.get('d1', { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(RequestTimeoutError);
    expect(timedOut).toMatchObject({ method: 'GET', path: '/v1/delegations/d1', timeoutMs: 20 });
    const controller = new AbortController();
    const reason = new Error('the agent shuts down');
    const aborted = client.heartbeat('d1', {}, { signal: controller.signal });
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
  });

  it('no connection is ServiceUnavailableError after the retries (a refused connection is retried even for a claim)', async () => {
    const refused = () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
    const { fetch, sent } = fakeFetch(refused, refused);
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch, maxRetries: 1, maxRetryDelayMs: 0 });
    await expect(client.claim()).rejects.toMatchObject({ name: 'ServiceUnavailableError', status: 0, code: 'refused_connection' });
    expect(sent).toHaveLength(2);
  });
});

describe('the HTTP client: waitFor over the long-poll', () => {
  it('polls again after a timed-out poll and resolves with the delegation once the service says it is done', async () => {
    const { fetch, sent } = fakeFetch(json(200, wire({ delegation: running, timedOut: true })), json(200, wire({ delegation: running, timedOut: false })));
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    expect(await client.waitFor(running.delegationId, { until: ['input_required', 'in_progress'] })).toEqual(running);
    expect(sent).toHaveLength(2);
    expect(sent[0]?.url.searchParams.get('until')).toBe('input_required,in_progress');
    expect(Number(sent[0]?.url.searchParams.get('timeoutMs'))).toBe(60_000);
  });

  it('WaitTimeoutError once its own timeoutMs is spent; DelegationNotFoundError on a 404', async () => {
    const { fetch, sent } = fakeFetch(
      json(200, wire({ delegation: running, timedOut: true })),
      json(404, { error: 'not_found', message: 'no', delegationId: 'gone' }),
    );
    const client = createClient({ baseUrl: BASE, token: TOKEN, fetch });
    await expect(client.waitFor(running.delegationId, { timeoutMs: 0 })).rejects.toBeInstanceOf(WaitTimeoutError);
    expect(sent[0]?.url.searchParams.get('timeoutMs')).toBe('1');
    await expect(client.waitFor('gone')).rejects.toBeInstanceOf(DelegationNotFoundError);
  });

  it('a server that breaks the contract on wait is told apart from a timeout', async () => {
    const { fetch } = fakeFetch(json(200, { timedOut: false }));
    await expect(createClient({ baseUrl: BASE, fetch }).waitFor('d1')).rejects.toBeInstanceOf(ServiceError);
  });
});
