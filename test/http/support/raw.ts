import { connect, type Socket } from 'node:net';
import { parseJson } from './admin.js';

export type RawAnswer = {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown> | null;
  readonly text: string;
  /** Whether the server closed the connection after answering. */
  readonly closed: boolean;
};

/**
 * Writes bytes exactly as given to 127.0.0.1:port and reads one response: what
 * fetch cannot send (lying Content-Length, duplicated headers, broken syntax).
 * `feed` may keep writing after the head; it receives the socket and a stop signal.
 */
export function rawRequest(port: number, head: string | Buffer, feed?: (socket: Socket, answered: () => boolean) => Promise<void>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let answer: RawAnswer | null = null;
    const finish = (closed: boolean) => {
      const parsed = parse(received, closed);
      if (parsed === null) return false;
      answer = parsed;
      resolve(parsed);
      socket.destroy();
      return true;
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // A keep-alive answer is complete once its Content-Length is in; a closing one when the socket ends.
      const parsed = parse(received, false);
      if (parsed !== null && parsed.headers.connection !== 'close') finish(false);
    });
    socket.on('error', () => undefined); // a reset after the answer is the expected end of an oversized upload
    socket.on('close', () => {
      if (answer === null && !finish(true))
        reject(new Error(`connection closed without an answer; received ${JSON.stringify(received.toString('latin1').slice(0, 200))}`));
    });
    socket.on('connect', () => {
      socket.write(head);
      feed?.(socket, () => answer !== null || received.length > 0).catch(() => undefined);
    });
  });
}

function parse(bytes: Buffer, closed: boolean): RawAnswer | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  // An interim answer (100 Continue) comes before the real one.
  if (/^HTTP\/1\.[01] 1\d\d /.test(statusLine)) return parse(bytes.subarray(end + 4), closed);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const bodyBytes = bytes.subarray(end + 4);
  const length = headers['content-length'];
  if (length !== undefined && bodyBytes.length < Number(length)) return null;
  if (length === undefined && !closed) return null;
  const text = bodyBytes.subarray(0, length === undefined ? bodyBytes.length : Number(length)).toString('utf8');
  return { status: Number(statusLine.split(' ')[1]), headers, body: parseJson(text), text, closed: closed || headers.connection === 'close' };
}
