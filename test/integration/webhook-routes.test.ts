import SwaggerParser from '@apidevtools/swagger-parser';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { Container } from 'inversify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOKENS } from '../../src/app/tokens.js';
import type { Webhooks, WebhookStore } from '../../src/app/webhooks-api.js';
import { authenticate, hashToken, type IdentityEnv, tokenTable } from '../../src/adapters/http/identity.js';
import { problem } from '../../src/adapters/http/problem.js';
import { registerWebhookRoutes } from '../../src/adapters/http/webhook-routes.js';
import { memoryModule } from '../../src/adapters/memory/memory-module.js';
import { recordingLogger, type LogLine } from '../../src/testing.js';
import { loadDelegations, type WiredDelegations } from '../../src/wiring.js';

const ADMIN = 'admin-token-0123456789';
const CALLER = 'caller-token-0123456789';
const AGENT = 'agent-token-0123456789';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

type Call = { method: string; path: string; body?: unknown; token?: string | null | undefined; headers?: Record<string, string> };

let d: WiredDelegations;
let webhooks: Webhooks;
let store: WebhookStore;
let lines: LogLine[];
let app: OpenAPIHono<IdentityEnv>;

beforeEach(() => {
  lines = [];
  const container = new Container();
  d = loadDelegations(container, { adapter: memoryModule(), logger: recordingLogger(lines), env: {} });
  webhooks = container.get(TOKENS.Webhooks);
  store = container.get(TOKENS.WebhookStore);
  app = new OpenAPIHono<IdentityEnv>();
  const table = tokenTable([
    { role: 'admin', name: 'ops', sha256: hashToken(ADMIN) },
    { role: 'caller', name: 'shop', sha256: hashToken(CALLER), callerId: 'shop' },
    { role: 'agent', name: 'bot', sha256: hashToken(AGENT), calleeId: 'bot' },
  ]);
  app.use('*', authenticate(table));
  registerWebhookRoutes(app, { webhooks: () => webhooks, bodyLimits: { maxBytes: 1024, timeoutMs: 1000 } });
  app.doc31('/openapi.json', { openapi: '3.1.0', info: { title: 'webhooks', version: '1' } });
  app.onError((error) =>
    error instanceof HTTPException
      ? problem(error.status, { error: 'bad_request', message: error.message })
      : problem(500, { error: 'internal', message: 'internal' }),
  );
});

afterEach(async () => {
  await d.close();
});

async function call({ method, path, body, token = ADMIN, headers = {} }: Call) {
  const init: RequestInit = { method, headers: { ...headers } };
  if (token !== null) (init.headers as Record<string, string>).authorization = `Bearer ${token}`;
  if (body !== undefined) {
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await app.request(path, init);
  const text = await response.text();
  return { status: response.status, text, json: text === '' ? null : JSON.parse(text) };
}

const register = (body: unknown, token?: string | null) => call({ method: 'POST', path: '/admin/webhooks', body, token });

describe('the webhook admin routes', () => {
  it('register an endpoint (201 with the secret, once), show, list (no secret), page its log, delete it', async () => {
    const created = await register({ url: 'http://127.0.0.1:8080/hooks', eventTypes: ['completed'], description: 'shop' });
    expect(created.status).toBe(201);
    const { webhook, secret } = created.json;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({ url: 'http://127.0.0.1:8080/hooks', eventTypes: ['completed'], description: 'shop', status: 'active', pausedReason: null });
    expect(webhook).not.toHaveProperty('secret');

    const given = await register({ url: 'https://example.org/hook', secret: SECRET });
    expect(given.json.secret).toBe(SECRET);
    const listed = await call({ method: 'GET', path: '/admin/webhooks' });
    expect(listed.status).toBe(200);
    expect(listed.json.webhooks.map((w: { id: string }) => w.id)).toEqual([webhook.id, given.json.webhook.id]);
    const shown = await call({ method: 'GET', path: `/admin/webhooks/${webhook.id}` });
    expect(shown.json.webhook).toEqual(webhook);
    for (const text of [listed.text, shown.text, JSON.stringify(lines)]) {
      expect(text).not.toContain(secret.slice(6));
      expect(text).not.toContain(SECRET.slice(6));
    }

    for (let position = 1; position <= 5; position += 1) {
      await store.recordDelivery(
        {
          endpointId: webhook.id,
          webhookId: `evt_${position}`,
          eventPosition: position,
          eventType: 'completed',
          attempt: 1,
          outcome: 'delivered',
          statusCode: 204,
          error: null,
          durationMs: 3,
          attemptedAt: new Date(),
        },
        100,
      );
    }
    const page1 = await call({ method: 'GET', path: `/admin/webhooks/${webhook.id}/deliveries?limit=2` });
    expect(page1.status).toBe(200);
    expect(page1.json.deliveries.map((a: { eventPosition: number }) => a.eventPosition)).toEqual([5, 4]);
    expect(page1.json.deliveries[0]).toMatchObject({ webhookId: 'evt_5', attempt: 1, outcome: 'delivered', statusCode: 204, error: null, durationMs: 3 });
    const page2 = await call({ method: 'GET', path: `/admin/webhooks/${webhook.id}/deliveries?limit=2&cursor=${page1.json.nextCursor}` });
    expect(page2.json.deliveries.map((a: { eventPosition: number }) => a.eventPosition)).toEqual([3, 2]);
    const page3 = await call({ method: 'GET', path: `/admin/webhooks/${webhook.id}/deliveries?limit=2&cursor=${page2.json.nextCursor}` });
    expect(page3.json).toMatchObject({ nextCursor: null });
    expect(page3.json.deliveries).toHaveLength(1);

    expect((await call({ method: 'DELETE', path: `/admin/webhooks/${webhook.id}` })).json).toEqual({ deleted: webhook.id });
    expect((await call({ method: 'GET', path: `/admin/webhooks/${webhook.id}` })).status).toBe(404);
    expect((await call({ method: 'DELETE', path: `/admin/webhooks/${webhook.id}` })).status).toBe(404);
    expect((await call({ method: 'GET', path: `/admin/webhooks/${webhook.id}/deliveries` })).status).toBe(404);
  });

  it('resume a paused endpoint (200, active again); 404 for one that does not exist', async () => {
    const { json } = await register({ url: 'http://127.0.0.1:8080/hooks' });
    await store.setEndpointStatus(json.webhook.id, { status: 'paused', reason: '10 failed attempts in a row', at: new Date() });
    expect((await call({ method: 'GET', path: `/admin/webhooks/${json.webhook.id}` })).json.webhook).toMatchObject({
      status: 'paused',
      pausedReason: '10 failed attempts in a row',
    });
    const resumed = await call({ method: 'POST', path: `/admin/webhooks/${json.webhook.id}/resume` });
    expect(resumed.status).toBe(200);
    expect(resumed.json.webhook).toMatchObject({ status: 'active', pausedReason: null, pausedAt: null });
    expect((await call({ method: 'POST', path: '/admin/webhooks/wh_nope/resume' })).status).toBe(404);
    expect((await call({ method: 'POST', path: `/admin/webhooks/${json.webhook.id}/resume`, body: {} })).status).toBe(200);
    expect((await call({ method: 'POST', path: `/admin/webhooks/${json.webhook.id}/resume`, body: { force: true } })).json).toMatchObject({ field: 'force' });
  });

  it.each([
    ['a URL that is not one', { url: 'not a url' }, 'url'],
    ['an ftp URL', { url: 'ftp://example.org/hook' }, 'url'],
    ['a URL with credentials', { url: 'https://user:pw@example.org/hook' }, 'url'],
    ['a URL with a fragment', { url: 'https://example.org/hook#x' }, 'url'],
    ['no URL', { eventTypes: ['completed'] }, 'url'],
    ['a URL that is a number', { url: 5 }, 'url'],
    ['an unknown event type', { url: 'https://example.org/h', eventTypes: ['completed', 'exploded'] }, 'eventTypes.1'],
    ['event types that are not a list', { url: 'https://example.org/h', eventTypes: 'completed' }, 'eventTypes'],
    ['an unknown field', { url: 'https://example.org/h', colour: 'blue' }, 'colour'],
    ['a secret without the whsec_ prefix', { url: 'https://example.org/h', secret: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, 'secret'],
    ['a secret that is not base64', { url: 'https://example.org/h', secret: 'whsec_not base64!!' }, 'secret'],
    ['a secret too short', { url: 'https://example.org/h', secret: 'whsec_c2hvcnQ=' }, 'secret'],
    ['a description too long', { url: 'https://example.org/h', description: 'x'.repeat(501) }, 'description'],
    ['a body that is not an object', [1, 2], 'body'],
  ])('refuse %s: 400 naming the field, nothing written', async (_label, body, field) => {
    const answer = await register(body);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: 'bad_request', field });
    expect(answer.text).not.toContain('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(await store.listEndpoints()).toEqual([]);
  });

  it('refuse bodies that are not JSON (415), too large (413) or malformed (400), and unknown query fields (400)', async () => {
    expect((await call({ method: 'POST', path: '/admin/webhooks', body: 'url=x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await register({ url: 'https://example.org/h', description: 'x'.repeat(2000) })).status).toBe(413);
    expect((await call({ method: 'POST', path: '/admin/webhooks', body: '{"url":' })).status).toBe(400);
    const query = await call({ method: 'GET', path: '/admin/webhooks?all=1' });
    expect(query).toMatchObject({ status: 400, json: { field: 'all' } });
    const { json } = await register({ url: 'https://example.org/h' });
    for (const bad of ['limit=0', 'limit=501', 'limit=abc', 'cursor=abc', 'cursor=0', 'page=2']) {
      const answer = await call({ method: 'GET', path: `/admin/webhooks/${json.webhook.id}/deliveries?${bad}` });
      expect(answer.status, bad).toBe(400);
      expect(answer.json.field, bad).toBe(bad.split('=')[0]);
    }
    expect(await store.listEndpoints()).toHaveLength(1);
  });

  it('answer 401 without a valid token and 403 to caller and agent tokens on every route, writing nothing', async () => {
    const { json } = await register({ url: 'https://example.org/h' });
    const id = json.webhook.id;
    const routes: Call[] = [
      { method: 'POST', path: '/admin/webhooks', body: { url: 'https://example.org/other' } },
      { method: 'GET', path: '/admin/webhooks' },
      { method: 'GET', path: `/admin/webhooks/${id}` },
      { method: 'DELETE', path: `/admin/webhooks/${id}` },
      { method: 'POST', path: `/admin/webhooks/${id}/resume` },
      { method: 'GET', path: `/admin/webhooks/${id}/deliveries` },
    ];
    for (const route of routes) {
      const label = `${route.method} ${route.path}`;
      expect((await call({ ...route, token: null })).status, label).toBe(401);
      expect((await call({ ...route, token: 'not-a-configured-token' })).status, label).toBe(401);
      expect((await call({ ...route, token: CALLER })).status, label).toBe(403);
      expect((await call({ ...route, token: AGENT })).status, label).toBe(403);
    }
    expect((await store.listEndpoints()).map((e) => e.id)).toEqual([id]);
  });

  it('answer 503 while the service is not ready', async () => {
    const starting = new OpenAPIHono<IdentityEnv>();
    starting.use('*', authenticate(null));
    registerWebhookRoutes(starting, { webhooks: () => null });
    const answer = await starting.request('/admin/webhooks');
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
  });

  it('describe every route in the OpenAPI document, which validates', async () => {
    const { json } = await call({ method: 'GET', path: '/openapi.json' });
    expect(Object.keys(json.paths).sort()).toEqual([
      '/admin/webhooks',
      '/admin/webhooks/{id}',
      '/admin/webhooks/{id}/deliveries',
      '/admin/webhooks/{id}/resume',
    ]);
    expect(Object.keys(json.paths['/admin/webhooks']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(json.paths['/admin/webhooks/{id}']).sort()).toEqual(['delete', 'get']);
    await expect(SwaggerParser.validate(structuredClone(json))).resolves.toBeDefined();
    expect(JSON.stringify(json)).not.toContain('whsec_M');
  });
});
