import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminFixture, adminFixture, roleTable, send } from './support/admin.js';
import { CREDENTIALS, type Credential, delegationIn, ROUTE_CASES, type RouteCase } from './support/v1-routes.js';

// Issue 14: every route with each role's token, without a token, with a malformed one and with a token of the wrong identity.
describe('who may call which route', () => {
  let fixture: AdminFixture;
  beforeAll(async () => {
    fixture = await adminFixture({ tokens: roleTable() });
  });
  afterAll(() => fixture.close());

  async function call(route: RouteCase, credential: Credential) {
    const id = route.state === undefined ? undefined : await delegationIn(fixture.delegations.ledger, route.state);
    const path = route.template.replace('{id}', encodeURIComponent(id ?? '')) + (route.query === undefined ? '' : `?${route.query}`);
    const headers = new Headers();
    const value = CREDENTIALS[credential];
    if (value !== null) headers.set('authorization', value);
    if (route.body !== undefined) headers.set('content-type', 'application/json');
    return send(fixture.app, path, { method: route.method, headers, ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }) });
  }

  it('the route list is every route the server serves, and every route /openapi.json documents', async () => {
    const served = new Set(
      fixture.app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${route.path.replaceAll(/:([^/]+)/g, '{$1}')}`),
    );
    const document = (await send(fixture.app, '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`)),
    );
    const listed = new Set(ROUTE_CASES.map((route) => `${route.method} ${route.template}`));
    expect([...served].sort()).toEqual([...listed].sort());
    expect([...documented].sort()).toEqual([...listed].sort());
  });

  for (const route of ROUTE_CASES) {
    it(`${route.method} ${route.template}: ${Object.entries(route.expected)
      .map(([who, status]) => `${who} ${status}`)
      .join(', ')}`, async () => {
      const got: Partial<Record<Credential, number>> = {};
      for (const credential of Object.keys(route.expected) as Credential[]) {
        const answer = await call(route, credential);
        got[credential] = answer.status;
        if (answer.status === 401) expect(answer.headers.get('www-authenticate'), credential).toMatch(/^Bearer realm="delegations"/);
        if (answer.status === 403) expect(answer.body, credential).toMatchObject({ error: 'forbidden', message: expect.any(String) });
      }
      expect(got).toEqual(route.expected);
    });
  }

  it('a refused request writes nothing', async () => {
    for (const route of ROUTE_CASES.filter((r) => r.method === 'POST')) {
      for (const credential of (Object.keys(route.expected) as Credential[]).filter((c) => route.expected[c] >= 400)) {
        const id = route.state === undefined ? undefined : await delegationIn(fixture.delegations.ledger, route.state);
        const before = await fixture.snapshot();
        const path = route.template.replace('{id}', id ?? '');
        const headers = new Headers({ 'content-type': 'application/json' });
        const value = CREDENTIALS[credential];
        if (value !== null) headers.set('authorization', value);
        const answer = await send(fixture.app, path, { method: 'POST', headers, body: JSON.stringify(route.body ?? {}) });
        expect(answer.status, `${credential} ${route.template}`).toBe(route.expected[credential]);
        expect(await fixture.snapshot(), `${credential} ${route.template}`).toBe(before);
      }
    }
  });
});
