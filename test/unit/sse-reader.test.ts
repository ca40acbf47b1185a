import { describe, expect, it } from 'vitest';
import { readSse, type SseItem } from '../../src/adapters/cli/sse-reader.js';
import { formatFrame } from '../../src/adapters/http/sse.js';

async function read(chunks: readonly string[]): Promise<SseItem[]> {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  const items: SseItem[] = [];
  for await (const item of readSse(body)) items.push(item);
  return items;
}

describe('the SSE reader and writer', () => {
  it('reads what the server writes, split anywhere, CRLF or LF, a multi-line payload intact', async () => {
    const text = formatFrame({ id: '7', data: '{"a":1}' }) + formatFrame({ event: 'delegation', id: '9', data: 'line one\nline two' });
    const whole = await read([text]);
    expect(whole).toEqual([
      { kind: 'event', event: 'message', data: '{"a":1}', lastEventId: '7' },
      { kind: 'event', event: 'delegation', data: 'line one\nline two', lastEventId: '9' },
    ]);
    expect(await read(text.split(''))).toEqual(whole);
    expect(await read([text.replaceAll('\n', '\r\n')])).toEqual(whole);
  });

  it('moves the last event id on an id with no data, keeps it across events, and reports comments and retry', async () => {
    expect(await read(['retry: 2000\n\n: keepalive\nid: 12\n\ndata: x\n\n'])).toEqual([
      { kind: 'retry', ms: 2000 },
      { kind: 'comment', text: 'keepalive' },
      { kind: 'id', lastEventId: '12' },
      { kind: 'event', event: 'message', data: 'x', lastEventId: '12' },
    ]);
  });

  it('refuses an id or event name that would break the frame', () => {
    expect(() => formatFrame({ id: '1\n2', data: 'x' })).toThrow();
  });
});
