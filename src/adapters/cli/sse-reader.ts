/**
 * What a Server-Sent Events body says, one item per dispatch (a blank line) or comment, read as
 * the HTML standard's parser reads it: `lastEventId` carries over, an id with no data moves it
 * without an event.
 */
export type SseItem =
  | { readonly kind: 'event'; readonly event: string; readonly data: string; readonly lastEventId: string }
  | { readonly kind: 'id'; readonly lastEventId: string }
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'retry'; readonly ms: number };

// One event past this is a broken or hostile server, not a delegation event (details are capped at 4 KiB).
const MAX_LINE = 1024 * 1024;

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseItem> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let lastEventId = '';
  let idBuffer: string | null = null;
  let event = '';
  let data: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = lineEnd(buffer); end !== null; end = lineEnd(buffer)) {
        const line = buffer.slice(0, end.at);
        buffer = buffer.slice(end.at + end.length);
        if (line === '') {
          if (idBuffer !== null) lastEventId = idBuffer;
          if (data.length > 0) yield { kind: 'event', event: event || 'message', data: data.join('\n'), lastEventId };
          else if (idBuffer !== null) yield { kind: 'id', lastEventId };
          idBuffer = null;
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) {
          yield { kind: 'comment', text: line.slice(1).trimStart() };
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const fieldValue = colon === -1 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
        if (field === 'data') data.push(fieldValue);
        else if (field === 'event') event = fieldValue;
        else if (field === 'id' && !fieldValue.includes('\u0000')) idBuffer = fieldValue;
        else if (field === 'retry' && /^[0-9]+$/.test(fieldValue)) yield { kind: 'retry', ms: Number(fieldValue) };
      }
      if (buffer.length > MAX_LINE) throw new Error(`an event stream line longer than ${MAX_LINE} characters`);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** The first line end (CRLF, LF or CR); a CR at the very end may be half of a CRLF still in flight. */
function lineEnd(buffer: string): { at: number; length: number } | null {
  for (let i = 0; i < buffer.length; i++) {
    const char = buffer[i];
    if (char === '\n') return { at: i, length: 1 };
    if (char === '\r') {
      if (i + 1 === buffer.length) return null;
      return { at: i, length: buffer[i + 1] === '\n' ? 2 : 1 };
    }
  }
  return null;
}
