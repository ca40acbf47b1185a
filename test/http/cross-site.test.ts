import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowedHosts } from '../../src/adapters/http/hosts.js';
import { ConfigurationError } from '../../src/index.js';
import { type AdminFixture, adminFixture, auth, IDS, PORT, send } from './support/admin.js';
import { rawRequest } from './support/raw.js';

const CANCEL = `/admin/delegations/${IDS.queued}/cancel`;

// Issue 10 item 2: the default daemon (no token) applied a text/plain cancel sent from any Origin, and answered any Host.
describe.each([
  ['without a token', null],
  ['with a token', 'set'],
] as const)('cross-site writes are refused %s', (_label, tokenMode) => {
  let fixture: AdminFixture;
  const headers = (extra: Record<string, string>) => (tokenMode === null ? extra : { ...auth, ...extra });
  beforeAll(async () => {
    fixture = await adminFixture(tokenMode === null ? { token: null } : {});
  });
  afterAll(() => fixture.close());

  it.each([
    ['a form from another site (Origin, text/plain)', { origin: 'http://evil.example', 'content-type': 'text/plain' }, 'x', 'origin'],
    ['a JSON fetch from another site', { origin: 'http://evil.example', 'content-type': 'application/json' }, '{}', 'origin'],
    ['a body-less POST from another site', { origin: 'http://evil.example' }, undefined, 'origin'],
    ['Origin: null (a sandboxed frame)', { origin: 'null' }, undefined, 'origin'],
    ['Origin on another port of loopback', { origin: `http://127.0.0.1:${PORT + 1}` }, undefined, 'origin'],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }, undefined, 'sec-fetch-site'],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }, undefined, 'sec-fetch-site'],
  ])('%s: 403 naming the header, nothing written', async (_name, extra, body, field) => {
    const before = await fixture.snapshot();
    const answer = await send(fixture.app, CANCEL, { method: 'POST', headers: headers(extra), body: body ?? null });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: 'forbidden', field, message: expect.stringContaining('cross-site') });
    expect(await fixture.snapshot()).toBe(before);
  });

  it.each(['PUT', 'PATCH', 'DELETE'])('%s from another site is refused before the method is judged', async (method) => {
    const answer = await send(fixture.app, `/admin/delegations/${IDS.queued}`, { method, headers: headers({ origin: 'http://evil.example' }) });
    expect(answer.status).toBe(403);
  });

  it('a same-origin request (its own Origin, Sec-Fetch-Site: same-origin) goes through', async () => {
    const answer = await send(fixture.app, `/admin/delegations/${IDS.stuck}/retry`, {
      method: 'POST',
      headers: headers({ origin: `http://127.0.0.1:${PORT}`, 'sec-fetch-site': 'same-origin' }),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'applied' });
  });
});

describe('bodies must be JSON (415), and a body-less POST carries no Content-Type', () => {
  let fixture: AdminFixture;
  beforeAll(async () => {
    fixture = await adminFixture({ token: null });
  });
  afterAll(() => fixture.close());

  it.each([
    ['text/plain', 'reason=x'],
    ['application/x-www-form-urlencoded', 'reason=x'],
    ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="reason"\r\n\r\nx\r\n--b--'],
    ['application/json; charset=latin1', '{}'],
    ['application/jsonx', '{}'],
    ['text/plain', ''],
  ])('Content-Type %j: 415, the cancel not applied', async (type, body) => {
    const before = await fixture.snapshot();
    const answer = await send(fixture.app, CANCEL, { method: 'POST', headers: { 'content-type': type }, body });
    expect(answer.status).toBe(415);
    expect(answer.body).toMatchObject({ error: 'unsupported_media_type', field: 'content-type' });
    expect(await fixture.snapshot()).toBe(before);
  });

  it('a body with no Content-Type at all: 415', async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"reason":"x"}'));
        controller.close();
      },
    });
    const answer = await send(fixture.app, CANCEL, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(answer.status).toBe(415);
  });

  it('Content-Type: application/json with an empty body: 400 saying so', async () => {
    const answer = await send(fixture.app, CANCEL, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ field: 'body', message: expect.stringContaining('empty') });
  });

  it('no body and no Content-Type: the cancel applies, without a reason', async () => {
    const answer = await send(fixture.app, `/admin/delegations/${encodeURIComponent(IDS.percent)}/cancel`, { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'applied', delegation: { status: 'cancelled' } });
  });

  it('application/json; charset=utf-8 is JSON', async () => {
    const answer = await send(fixture.app, CANCEL, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=UTF-8' },
      body: '{"reason":"dup"}',
    });
    expect(answer.body).toMatchObject({ outcome: 'applied', delegation: { errorDetail: 'dup' } });
  });
});

describe('the Host header names an address served here (DNS rebinding)', () => {
  let fixture: AdminFixture;
  beforeAll(async () => {
    fixture = await adminFixture({ token: null, extraHosts: parseAllowedHosts('ledger.internal, proxy.example:8443') });
  });
  afterAll(() => fixture.close());

  it.each([
    `evil.example:${PORT}`,
    'evil.example',
    `127.0.0.1:${PORT + 1}`,
    `localhost.:${PORT}`,
    `127.0.0.1:${PORT}, evil.example`,
    `user@127.0.0.1:${PORT}`,
    'proxy.example:443',
    '',
  ])('Host %j: 421 naming the Host, for reads and writes alike, nothing written', async (host) => {
    const before = await fixture.snapshot();
    for (const [method, path] of [
      ['GET', '/admin/delegations'],
      ['POST', CANCEL],
    ] as const) {
      const answer = await send(fixture.app, path, { method, headers: { host } });
      expect(answer.status, `${method} ${path}`).toBe(421);
      expect(answer.body).toMatchObject({ error: 'misdirected_request', field: 'host', message: expect.stringContaining('DELEGATIONS_ALLOWED_HOSTS') });
    }
    expect(await fixture.snapshot()).toBe(before);
  });

  it.each([`127.0.0.1:${PORT}`, `localhost:${PORT}`, `LOCALHOST:${PORT}`, `[::1]:${PORT}`, 'ledger.internal', `ledger.internal:${PORT}`, 'proxy.example:8443'])(
    'Host %j is served',
    async (host) => {
      expect((await send(fixture.app, '/admin/stats', { headers: { host } })).status).toBe(200);
    },
  );

  it('an absolute-form URL naming another host is refused even with a good Host header', async () => {
    const answer = await send(fixture.app, 'http://evil.example/admin/stats', { headers: { host: `127.0.0.1:${PORT}` } });
    expect(answer.status).toBe(421);
  });

  it('DELEGATIONS_ALLOWED_HOSTS with an entry that is not a host refuses to start, naming the variable', () => {
    for (const value of ['http://ledger.internal', 'a b', 'ledger:99999', 'ledger/x', 'ledger:']) {
      expect(() => parseAllowedHosts(value), value).toThrow(ConfigurationError);
      expect(() => parseAllowedHosts(value), value).toThrow(/DELEGATIONS_ALLOWED_HOSTS/);
    }
  });
});

describe('Host over a real socket', () => {
  it('a foreign, a duplicated and a missing Host get 421 in JSON; the served one is answered', async () => {
    const { listeningFixture } = await import('./support/admin.js');
    const fixture = await listeningFixture({ token: null });
    try {
      const port = fixture.server.port;
      const get = (headers: string) => rawRequest(port, `GET /admin/stats HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`);
      expect((await get(`Host: 127.0.0.1:${port}\r\n`)).status).toBe(200);
      expect((await get(`Host: localhost:${port}\r\n`)).status).toBe(200);
      for (const headers of [`Host: rebound.example:${port}\r\n`, `Host: 127.0.0.1:${port}\r\nHost: evil.example\r\n`, '']) {
        const answer = await get(headers);
        expect(answer.status, headers).toBe(421);
        expect(answer.body, headers).toMatchObject({ error: 'misdirected_request', field: 'host' });
      }
      const absolute = await rawRequest(port, `GET http://evil.example/admin/stats HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
      expect(absolute.status).toBe(421);
    } finally {
      await fixture.close();
    }
  });
});
