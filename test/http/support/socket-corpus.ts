import type { Socket } from 'node:net';
import { IDS, TOKEN } from './admin.js';

/** A request only a raw socket can send, and the refusal it must get. */
export type SocketCase = {
  readonly name: string;
  readonly head: (port: number) => string | Buffer;
  readonly feed?: (socket: Socket, answered: () => boolean) => Promise<void>;
  readonly status: number;
  readonly field?: string;
};

const CANCEL = `/admin/delegations/${IDS.queued}/cancel`;
const AUTH = `Authorization: Bearer ${TOKEN}\r\n`;
const host = (port: number) => `Host: 127.0.0.1:${port}\r\n`;
const request =
  (line: string, headers: string, body = '') =>
  (port: number) =>
    `${line}\r\n${host(port)}${headers}Connection: close\r\n\r\n${body}`;
const cancel = (headers: string, body = '') => request(`POST ${CANCEL} HTTP/1.1`, `${AUTH}${headers}`, body);

/** Keeps writing chunks until the server answers or closes: an upload that never ends. */
async function endlessChunks(socket: Socket, answered: () => boolean): Promise<void> {
  const chunk = Buffer.from(`4000\r\n${'x'.repeat(0x4000)}\r\n`);
  for (let i = 0; i < 4096 && !answered() && !socket.destroyed; i++) {
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
  }
}

export const SOCKET_CORPUS: readonly SocketCase[] = [
  {
    name: 'Content-Length larger than the body',
    head: cancel('Content-Type: application/json\r\nContent-Length: 100\r\n', '{"reason":'),
    status: 408,
    field: 'body',
  },
  { name: 'Content-Length with no body at all', head: cancel('Content-Type: application/json\r\nContent-Length: 20\r\n'), status: 408, field: 'body' },
  { name: 'Content-Length of 10 GB', head: cancel('Content-Type: application/json\r\nContent-Length: 10000000000\r\n'), status: 413, field: 'body' },
  {
    name: 'an endless chunked upload',
    head: cancel('Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n'),
    feed: endlessChunks,
    status: 413,
    field: 'body',
  },
  {
    name: 'an endless chunked upload as text/plain',
    head: cancel('Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n'),
    feed: endlessChunks,
    status: 415,
    field: 'content-type',
  },
  { name: 'Authorization twice, both right', head: cancel(AUTH), status: 401 },
  { name: 'Authorization twice, right then wrong', head: cancel('Authorization: Bearer wrong\r\n'), status: 401 },
  {
    name: 'Host twice',
    head: (port) => `GET /admin/stats HTTP/1.1\r\n${host(port)}Host: evil.example\r\n${AUTH}Connection: close\r\n\r\n`,
    status: 421,
    field: 'host',
  },
  { name: 'no Host (HTTP/1.1)', head: () => `GET /admin/stats HTTP/1.1\r\n${AUTH}Connection: close\r\n\r\n`, status: 421, field: 'host' },
  { name: 'no Host (HTTP/1.0)', head: () => `GET /admin/stats HTTP/1.0\r\n${AUTH}\r\n`, status: 421, field: 'host' },
  { name: 'a foreign absolute-form target', head: request('POST http://evil.example/admin/delegations/q-1/cancel HTTP/1.1', AUTH), status: 421, field: 'host' },
  {
    name: 'Content-Type twice',
    head: cancel('Content-Type: application/json\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n', '{}'),
    status: 415,
    field: 'content-type',
  },
  { name: 'Content-Length twice, different', head: cancel('Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n', '{}'), status: 400 },
  {
    name: 'Content-Length and Transfer-Encoding',
    head: cancel('Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n', '2\r\n{}\r\n0\r\n\r\n'),
    status: 400,
  },
  { name: 'Transfer-Encoding: gzip', head: cancel('Content-Type: application/json\r\nTransfer-Encoding: gzip\r\n', '{}'), status: 400 },
  { name: 'a broken chunk size', head: cancel('Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n', 'zz\r\n{}\r\n0\r\n\r\n'), status: 400 },
  { name: 'Content-Length not a number', head: cancel('Content-Type: application/json\r\nContent-Length: ten\r\n', '{}'), status: 400 },
  { name: 'a header name with a space', head: cancel('Bad Header: x\r\n'), status: 400 },
  { name: 'a NUL in a header value', head: cancel('X-Note: a\u0000b\r\n'), status: 400 },
  { name: 'headers over the size limit', head: cancel(`X-Padding: ${'p'.repeat(20_000)}\r\n`), status: 431 },
  { name: 'a URL over the size limit', head: request(`GET /admin/delegations/${'x'.repeat(20_000)} HTTP/1.1`, AUTH), status: 431 },
  { name: 'a garbage request line', head: () => 'HELLO\r\n\r\n', status: 400 },
  { name: 'an unknown HTTP version', head: request('GET /admin/stats HTTP/9.9', AUTH), status: 400 },
  { name: 'a space inside the target', head: request('GET /admin/delegations/a b HTTP/1.1', AUTH), status: 400 },
  { name: 'a backslash in the path', head: request('GET /admin\\delegations HTTP/1.1', AUTH), status: 400 },
  { name: 'TRACE', head: request('TRACE /admin/stats HTTP/1.1', AUTH), status: 405 },
  {
    name: 'raw non-ASCII bytes in the path',
    head: (port) =>
      Buffer.concat([
        Buffer.from(`POST /admin/delegations/`),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(`/cancel HTTP/1.1\r\n${host(port)}${AUTH}Connection: close\r\n\r\n`),
      ]),
    status: 400,
  },
  {
    name: 'Expect: 100-continue with text/plain',
    head: cancel('Content-Type: text/plain\r\nExpect: 100-continue\r\nContent-Length: 1\r\n', 'x'),
    status: 415,
    field: 'content-type',
  },
  {
    name: 'a cross-site form over the wire',
    head: cancel('Origin: http://evil.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 8\r\n', 'reason=x'),
    status: 403,
    field: 'origin',
  },
];
