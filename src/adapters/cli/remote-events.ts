import type { StoredEvent } from '../../domain/index.js';
import { CommandFailed, UsageError } from './errors.js';
import { readSse } from './sse-reader.js';

export const TOKEN_VARIABLE = 'DELEGATIONS_TOKEN';

// A daemon that restarts takes a few seconds; past this between tries, a user waits for nothing.
const MAX_RETRY_MS = 30_000;

export type RemoteFollow = {
  /** The daemon's base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly token: string | null;
  /** The first position to print. */
  readonly from: number;
  readonly print: (event: StoredEvent) => void;
  /** Aborted on SIGINT/SIGTERM: the follow returns. */
  readonly signal: AbortSignal;
  readonly warn: (message: string) => void;
};

/** The base URL, checked: http(s), no query or fragment; the path is where the API is mounted. */
export function parseDaemonUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url: not a URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url: must be http:// or https://, got ${url.protocol}`);
  if (url.search !== '' || url.hash !== '') throw new UsageError('--url: give the base URL only, without a query or fragment');
  if (url.username !== '' || url.password !== '') throw new UsageError(`--url: put the token in --token or ${TOKEN_VARIABLE}, not in the URL`);
  return url;
}

/**
 * Prints the daemon's event stream (GET /v1/events) from `from` on, reconnecting with
 * Last-Event-ID after a dropped connection or a daemon restart, so each event is printed once
 * and in order. A refusal (401, 403, 400) ends it with the daemon's message.
 */
export async function followRemote(options: RemoteFollow): Promise<void> {
  const base = parseDaemonUrl(options.url);
  const endpoint = new URL(`${base.pathname.replace(/\/$/, '')}/v1/events`, base);
  let last: string | null = null;
  let retryMs = 1_000;
  let failures = 0;
  while (!options.signal.aborted) {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.token !== null) headers.authorization = `Bearer ${options.token}`;
    if (last !== null) headers['last-event-id'] = last;
    const url = new URL(endpoint);
    if (last === null) url.searchParams.set('from', String(options.from));
    try {
      const response = await fetch(url, { headers, signal: options.signal });
      if (response.status !== 200) await refused(response);
      failures = 0;
      for await (const item of readSse(response.body as ReadableStream<Uint8Array>)) {
        if (item.kind === 'retry') retryMs = Math.min(item.ms, MAX_RETRY_MS);
        if (item.kind === 'id') last = item.lastEventId;
        if (item.kind !== 'event') continue;
        options.print(revive(JSON.parse(item.data) as StoredEvent));
        last = item.lastEventId;
      }
    } catch (error) {
      if (options.signal.aborted) return;
      if (error instanceof CommandFailed) throw error;
      failures += 1;
      options.warn(`the event stream at ${endpoint.origin} broke (${(error as Error).message}); reconnecting`);
    }
    await pause(Math.min(retryMs * 2 ** Math.min(failures, 5), MAX_RETRY_MS), options.signal);
  }
}

async function refused(response: Response): Promise<never> {
  const text = await response.text().catch(() => '');
  let message = text;
  try {
    message = String((JSON.parse(text) as { message?: unknown }).message ?? text);
  } catch {
    // not JSON: the text as it came
  }
  if (response.status >= 500) throw new Error(`the daemon answered ${response.status}: ${message}`);
  throw new CommandFailed(`the daemon refused the event stream (${response.status}): ${message}`);
}

function revive(event: StoredEvent): StoredEvent {
  return { ...event, occurredAt: new Date(event.occurredAt) } as StoredEvent;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
