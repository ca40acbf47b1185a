import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminFixture, adminFixture, auth, IDS, listeningFixture, send } from './support/admin.js';
import { rawRequest } from './support/raw.js';

const LIMITS = { maxBytes: 1024, timeoutMs: 200 };
const CANCEL = `/admin/delegations/${IDS.queued}/cancel`;
const json = { ...auth, 'content-type': 'application/json' };

/** A body that sends `first` and then never ends, as a client that announced more than it sends. */
function stalled(first: string): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode(first)) });
}

describe('body bounds in-process', () => {
  let fixture: AdminFixture;
  beforeAll(async () => {
    fixture = await adminFixture({ bodyLimits: LIMITS });
  });
  afterAll(() => fixture.close());

  it('a Content-Length over the bound: 413 without reading a byte of the body', async () => {
    let pulled = 0;
    const body = new ReadableStream({ pull: () => void pulled++ }, { highWaterMark: 0 });
    const before = await fixture.snapshot();
    const answer = await send(fixture.app, CANCEL, {
      method: 'POST',
      headers: { ...json, 'content-length': String(LIMITS.maxBytes + 1) },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(answer.status).toBe(413);
    expect(answer.headers.get('connection')).toBe('close');
    expect(answer.body).toMatchObject({ error: 'payload_too_large', field: 'body', limit: LIMITS.maxBytes });
    expect(pulled).toBe(0);
    expect(await fixture.snapshot()).toBe(before);
  });

  it('a chunked body that grows past the bound: 413 once it passes, the rest never read', async () => {
    let pulled = 0;
    const chunk = new Uint8Array(300).fill(32);
    const body = new ReadableStream(
      {
        pull(controller) {
          pulled++;
          controller.enqueue(chunk);
        },
      },
      { highWaterMark: 0 },
    );
    const answer = await send(fixture.app, CANCEL, { method: 'POST', headers: json, body, duplex: 'half' } as RequestInit);
    expect(answer.status).toBe(413);
    expect(pulled).toBeLessThan(10);
  });

  it('a body that stops arriving: 408 after the bound, connection closed, nothing written', async () => {
    const before = await fixture.snapshot();
    const answer = await send(fixture.app, CANCEL, { method: 'POST', headers: json, body: stalled('{"reason":'), duplex: 'half' } as RequestInit);
    expect(answer.status).toBe(408);
    expect(answer.headers.get('connection')).toBe('close');
    expect(answer.body).toMatchObject({ error: 'request_timeout', field: 'body' });
    expect(await fixture.snapshot()).toBe(before);
  });

  it.each([
    ['not JSON', '{"reason":', 'body'],
    ['an array', '["x"]', 'body'],
    ['a string', '"x"', 'body'],
    ['null', 'null', 'body'],
    ['a number reason', '{"reason":42}', 'reason'],
    ['an unknown field', '{"reson":"typo"}', 'reson'],
    ['a byte-order mark', '\ufeff{}', 'body'],
  ])('%s (%j): 400 naming %s, nothing written', async (_name, body, field) => {
    const before = await fixture.snapshot();
    const answer = await send(fixture.app, CANCEL, { method: 'POST', headers: json, body });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'bad_request', field, message: expect.any(String) });
    expect(await fixture.snapshot()).toBe(before);
  });

  it('bytes that are not UTF-8: 400', async () => {
    const answer = await send(fixture.app, CANCEL, {
      method: 'POST',
      headers: json,
      body: new Uint8Array([0x7b, 0x22, 0x72, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    });
    expect(answer.body).toMatchObject({ field: 'body', message: 'is not valid UTF-8' });
  });

  it('retry takes no fields: {} is accepted, anything more is refused', async () => {
    expect((await send(fixture.app, `/admin/delegations/${IDS.stuck}/retry`, { method: 'POST', headers: json, body: '{"force":true}' })).body).toMatchObject({
      field: 'force',
    });
    expect((await send(fixture.app, `/admin/delegations/${IDS.stuck}/retry`, { method: 'POST', headers: json, body: '{}' })).body).toMatchObject({
      outcome: 'applied',
    });
  });
});

describe('body bounds over a real socket', () => {
  let fixture: AdminFixture & { server: { port: number } };
  let head: (headers: string) => string;
  beforeAll(async () => {
    fixture = await listeningFixture({ bodyLimits: LIMITS });
    head = (headers) =>
      `POST ${CANCEL} HTTP/1.1\r\nHost: 127.0.0.1:${fixture.server.port}\r\nAuthorization: ${auth.authorization}\r\nContent-Type: application/json\r\n${headers}\r\n`;
  });
  afterAll(() => fixture.close());

  it('a Content-Length larger than the body sent: 408 within the bound, the connection closed, nothing written', async () => {
    const before = await fixture.snapshot();
    const answer = await rawRequest(fixture.server.port, `${head('Content-Length: 100\r\n')}{"reason":`);
    expect(answer.status).toBe(408);
    expect(answer.closed).toBe(true);
    expect(answer.body).toMatchObject({ error: 'request_timeout', field: 'body' });
    expect(await fixture.snapshot()).toBe(before);
  });

  it('Content-Length: 10 GB: 413 at once, before the client sends any of it', async () => {
    const answer = await rawRequest(fixture.server.port, head('Content-Length: 10000000000\r\n'));
    expect(answer.status).toBe(413);
    expect(answer.closed).toBe(true);
  });

  it('a chunked upload of 64 MiB: 413 and the connection closed long before the client is done', async () => {
    let written = 0;
    const total = 64 * 1024 * 1024;
    const feed = async (socket: Socket, answered: () => boolean) => {
      const chunk = Buffer.from(`4000\r\n${' '.repeat(0x4000)}\r\n`);
      while (written < total && !answered() && !socket.destroyed) {
        written += 0x4000;
        if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
      }
    };
    const answer = await rawRequest(fixture.server.port, head('Transfer-Encoding: chunked\r\n'), feed);
    expect(answer.status).toBe(413);
    expect(answer.closed).toBe(true);
    expect(written).toBeLessThan(total / 4);
  });

  it('a good body still goes through', async () => {
    const body = '{"reason":"over the socket"}';
    const answer = await rawRequest(fixture.server.port, `${head(`Content-Length: ${body.length}\r\nConnection: close\r\n`)}${body}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'applied', delegation: { errorDetail: 'over the socket' } });
  });
});
