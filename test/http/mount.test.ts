import { OpenAPIHono, z } from '@hono/zod-openapi';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApp } from '../../src/adapters/http/admin-app.js';
import { servedHosts } from '../../src/adapters/http/hosts.js';
import { json, serve } from '../../src/adapters/http/openapi-route.js';
import { openDelegations } from '../../src/delegations.js';
import type { WiredDelegations } from '../../src/wiring.js';
import { recordingLogger, ROLE_TOKENS, roleTable } from './support/admin.js';

// How the other route groups (event stream, webhooks, A2A) join the app: `extraRoutes` gets the app and its checks.
describe('mounting more routes', () => {
  let delegations: WiredDelegations;
  let app: ReturnType<typeof createAdminApp>;
  beforeAll(async () => {
    delegations = await openDelegations({ store: 'memory', logger: recordingLogger([]) });
    const { ledger, sweeper, clock } = delegations;
    app = createAdminApp({
      services: () => ({ ledger, sweeper, clock }),
      registry: new Registry(),
      logger: recordingLogger([]),
      token: null,
      tokens: roleTable(),
      served: () => servedHosts('127.0.0.1', 8080, []),
      extraRoutes: (context) => {
        // Under /v1: authenticated and given the ledger by the app.
        serve(
          context,
          {
            method: 'get',
            path: '/v1/echo',
            summary: 'who asks',
            tags: ['test'],
            query: z.strictObject({ say: z.string() }),
            responses: { 200: json(z.object({ said: z.string(), role: z.string() }), 'ok') },
          },
          (c) => c.json({ said: c.var.query.say, role: c.var.principal.role }),
        );
        // Elsewhere: a sub-app of its own, checks taken from the context.
        const sub = new OpenAPIHono();
        sub.openapi(
          {
            method: 'get',
            path: '/card',
            summary: 'a public card',
            responses: { 200: { description: 'the card', content: { 'application/json': { schema: z.object({ name: z.string() }) } } } },
          },
          (c) => c.json({ name: 'ledger' }, 200),
        );
        context.app.route('/.well-known', sub as never);
      },
    });
  });
  afterAll(() => delegations.close());

  const get = (path: string, token?: string) =>
    app.request(`http://127.0.0.1:8080${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  it('a route served under /v1 is authenticated, validated and documented like the built-in ones', async () => {
    expect((await get('/v1/echo?say=hi')).status).toBe(401);
    const answer = await get('/v1/echo?say=hi', ROLE_TOKENS.agent);
    expect(await answer.json()).toEqual({ said: 'hi', role: 'agent' });
    expect((await get('/v1/echo?say=hi&x=1', ROLE_TOKENS.agent)).status).toBe(400);
    expect(
      (await app.request('http://127.0.0.1:8080/v1/echo?say=hi', { method: 'POST', headers: { authorization: `Bearer ${ROLE_TOKENS.agent}` } })).status,
    ).toBe(405);
    const document = (await (await get('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/echo', '/.well-known/card', '/v1/delegations']));
  });

  it('a sub-app mounted elsewhere is served and documented, behind the app-wide guards only', async () => {
    expect(await (await get('/.well-known/card')).json()).toEqual({ name: 'ledger' });
    expect((await app.request('http://evil.example/.well-known/card')).status).toBe(421);
  });
});
