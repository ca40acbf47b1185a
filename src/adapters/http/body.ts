import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { firstIssue } from '../admin/list-query.js';
import { badRequest, problem } from './problem.js';

export type BodyLimits = {
  /** Larger bodies get 413 before a byte of them is read (Content-Length) or as soon as they pass it (chunked). */
  readonly maxBytes: number;
  /** A client that announced more than it sends (a Content-Length lie, a stalled upload) gets 408 after this. */
  readonly timeoutMs: number;
};

// The largest body any route takes is a 4 KiB reason; 64 KiB leaves room for escapes without letting a client fill memory.
export const DEFAULT_BODY_LIMITS: BodyLimits = { maxBytes: 64 * 1024, timeoutMs: 5_000 };

type Read = { readonly kind: 'ok'; readonly bytes: Uint8Array } | { readonly kind: 'too_large' } | { readonly kind: 'timeout' } | { readonly kind: 'failed' };

/**
 * An optional JSON body, checked against the route's schema. A body must be
 * `application/json` (a browser cannot send that cross-site without asking
 * first); no body at all is read as `{}` only when there is no Content-Type either.
 */
export function jsonBody<S extends z.ZodType>(schema: S, limits: BodyLimits): MiddlewareHandler<{ Variables: { body: z.output<S> } }> {
  return async (c, next) => {
    const type = c.req.header('content-type');
    const length = c.req.header('content-length');
    const announced = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
    if (type !== undefined && !isJson(type)) return unsupported(`bodies must be application/json; got ${JSON.stringify(type)}`);
    if (type === undefined && announced) return unsupported('a body needs Content-Type: application/json');
    if (length !== undefined && Number(length) > limits.maxBytes) return tooLarge(limits);
    const read = await readBody(c.req.raw.body, limits);
    if (read.kind === 'too_large') return tooLarge(limits);
    if (read.kind === 'timeout')
      return problem(408, { error: 'request_timeout', field: 'body', message: `the body did not arrive within ${limits.timeoutMs} ms` }, { close: true });
    if (read.kind === 'failed') return badRequest('body', 'the body could not be read (the connection broke)');
    if (read.bytes.length > 0 && type === undefined) return unsupported('a body needs Content-Type: application/json');
    const value = decode(read.bytes, type !== undefined);
    if ('problem' in value) return badRequest('body', value.problem);
    const parsed = schema.safeParse(value.json);
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.error);
      return badRequest(field === 'request' ? 'body' : field, message);
    }
    c.set('body', parsed.data);
    return next();
  };
}

/** `application/json`, with at most a `charset=utf-8` parameter: JSON is UTF-8 (RFC 8259). */
export function isJson(contentType: string): boolean {
  const [type, ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return parameters.every((parameter) => /^charset=(?:utf-8|"utf-8")$/.test(parameter));
}

function decode(bytes: Uint8Array, typed: boolean): { json: unknown } | { problem: string } {
  if (bytes.length === 0) {
    return typed ? { problem: 'is empty although Content-Type says JSON: send a JSON object, or neither a body nor a Content-Type' } : { json: {} };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { problem: 'is not valid UTF-8' };
  }
  try {
    return { json: JSON.parse(text) };
  } catch (error) {
    return { problem: `is not valid JSON (${error instanceof Error ? error.message : 'parse error'})` };
  }
}

/** Reads at most `maxBytes`, for at most `timeoutMs`; never holds more than the bound in memory. */
async function readBody(stream: ReadableStream<Uint8Array> | null, limits: BodyLimits): Promise<Read> {
  if (stream === null) return { kind: 'ok', bytes: new Uint8Array(0) };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limits.timeoutMs);
  });
  try {
    for (;;) {
      const pending = reader.read();
      pending.catch(() => undefined); // still pending when the timer wins: its later failure is not ours to report
      const next = await Promise.race([pending, timeout]);
      if (next === 'timeout') return { kind: 'timeout' };
      if (next.done) return { kind: 'ok', bytes: concat(chunks, size) };
      size += next.value.byteLength;
      if (size > limits.maxBytes) return { kind: 'too_large' };
      chunks.push(next.value);
    }
  } catch {
    return { kind: 'failed' };
  } finally {
    clearTimeout(timer);
    // Stops reading; the server closes the connection after the answer (Connection: close), so the rest is never buffered.
    reader.cancel().catch(() => undefined);
  }
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function unsupported(message: string): Response {
  return problem(415, { error: 'unsupported_media_type', field: 'content-type', message });
}

function tooLarge(limits: BodyLimits): Response {
  return problem(
    413,
    { error: 'payload_too_large', field: 'body', message: `the body is over ${limits.maxBytes} bytes`, limit: limits.maxBytes },
    { close: true },
  );
}
