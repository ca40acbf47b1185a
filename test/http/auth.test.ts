import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireValidToken } from '../../src/adapters/http/auth.js';
import { ConfigurationError } from '../../src/index.js';
import { type AdminFixture, adminFixture, IDS, listeningFixture, send, TOKEN } from './support/admin.js';
import { rawRequest } from './support/raw.js';

// Issue 10 item 9: these got 400 {"field":"body","message":""} instead of 401.
describe('bearer auth', () => {
  let fixture: AdminFixture;
  beforeAll(async () => {
    fixture = await adminFixture();
  });
  afterAll(() => fixture.close());

  it.each([
    ['Basic x', 'invalid_request'],
    ['Basic dXNlcjpwYXNz', 'invalid_request'],
    ['Bearer', 'invalid_request'],
    ['Bearer ', 'invalid_request'],
    ['Bearer  ', 'invalid_request'],
    [`Bearer  ${TOKEN}`, 'invalid_request'],
    [`Bearer ${TOKEN} extra`, 'invalid_request'],
    ['Bearer a b', 'invalid_request'],
    [`Bearer ${TOKEN}, Bearer ${TOKEN}`, 'invalid_request'],
    [`Bearer ${TOKEN}\u00e9`, 'invalid_request'],
    [TOKEN, 'invalid_request'],
    ['Bearer wrong-token', 'invalid_token'],
    [`Bearer x${TOKEN}`, 'invalid_token'],
    [`Bearer ${TOKEN.slice(0, -1)}`, 'invalid_token'],
  ])('Authorization %j: 401 with WWW-Authenticate (%s), never 400', async (header, error) => {
    const before = await fixture.snapshot();
    for (const [method, path] of [
      ['GET', '/admin/delegations'],
      ['POST', `/admin/delegations/${IDS.queued}/cancel`],
      ['GET', '/metrics'],
    ] as const) {
      const headers = new Headers();
      headers.set('authorization', header);
      const answer = await send(fixture.app, path, { method, headers });
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe(`Bearer realm="delegations", error="${error}"`);
      expect(answer.body).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
    }
    expect(await fixture.snapshot()).toBe(before);
  });

  it('no Authorization: 401 with the bare challenge', async () => {
    const answer = await send(fixture.app, '/admin/stats');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="delegations"');
  });

  it('a duplicated Authorization header (in-process): 401 even when both carry the token', async () => {
    const headers = new Headers();
    headers.append('authorization', `Bearer ${TOKEN}`);
    headers.append('authorization', `Bearer ${TOKEN}`);
    expect((await send(fixture.app, '/admin/stats', { headers })).status).toBe(401);
  });

  it('the scheme is case-insensitive; the right token is let in', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      expect((await send(fixture.app, '/admin/stats', { headers: { authorization: `${scheme} ${TOKEN}` } })).status).toBe(200);
    }
  });

  it('never logs a token, presented or configured', async () => {
    await send(fixture.app, '/admin/stats', { headers: { authorization: `Bearer ${TOKEN}` } });
    await send(fixture.app, '/admin/stats', { headers: { authorization: 'Bearer presented-secret' } });
    const logged = JSON.stringify(fixture.logs);
    expect(logged).toContain('admin request');
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain('presented-secret');
  });
});

describe('a duplicated Authorization header over a real socket', () => {
  it('is refused with 401, even when both copies carry the right token', async () => {
    const fixture = await listeningFixture();
    try {
      const { port } = fixture.server;
      const answer = await rawRequest(
        port,
        `GET /admin/stats HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toContain('Bearer realm="delegations"');
      const single = await rawRequest(
        port,
        `GET /admin/stats HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
      );
      expect(single.status).toBe(200);
    } finally {
      await fixture.close();
    }
  });
});

describe('a configured token outside RFC 6750', () => {
  it.each(['two words', 'tök', 'a=b', 'tab\there', '"quoted"', 'semi;colon', 'comma,token', '='])('%j is refused, naming DELEGATIONS_ADMIN_TOKEN', (token) => {
    expect(() => requireValidToken(token)).toThrow(ConfigurationError);
    expect(() => requireValidToken(token)).toThrow(/^DELEGATIONS_ADMIN_TOKEN /);
  });

  it.each(['abc', 'e2e-secret-token', TOKEN, 'A-._~+/9==', 'f'.repeat(64)])('%j is accepted', (token) => {
    expect(requireValidToken(token)).toBe(token);
  });
});
