/** One Server-Sent Events frame: `id` is what a reconnecting client sends back as Last-Event-ID. */
export type SseFrame = { readonly id?: string | undefined; readonly event?: string | undefined; readonly data: string };

export type StreamSettings = {
  /** A `: keepalive` comment this often, so proxies and load balancers keep an idle connection open. */
  readonly keepaliveMs: number;
  /** Bytes queued for one client at most; past it a send waits for the client to read (the stream's reader waits with it). */
  readonly bufferBytes: number;
  /** The reconnection delay the stream advises its clients (the SSE `retry` field). */
  readonly retryMs: number;
};

export const DEFAULT_STREAM_SETTINGS: StreamSettings = { keepaliveMs: 15_000, bufferBytes: 64 * 1024, retryMs: 2_000 };

const encoder = new TextEncoder();

/** The frame as text; data lines split so a newline in the payload cannot end the event early. */
export function formatFrame(frame: SseFrame): string {
  const lines: string[] = [];
  if (frame.event !== undefined) lines.push(`event: ${singleLine(frame.event)}`);
  if (frame.id !== undefined) lines.push(`id: ${singleLine(frame.id)}`);
  for (const line of frame.data.split(/\r\n|\r|\n/)) lines.push(`data: ${line}`);
  return `${lines.join('\n')}\n\n`;
}

/**
 * The body of one SSE response: a byte stream whose queue is bounded, so a slow client holds
 * back its own producer instead of growing memory. Ends when the client goes away (the abort
 * signal fires), when the producer is done, or when the hub closes it at shutdown.
 */
export class SseChannel {
  readonly body: ReadableStream<Uint8Array>;
  readonly signal: AbortSignal;
  private readonly abort = new AbortController();
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private readonly room = new Set<() => void>();
  private sending = false;
  private ended = false;
  /**
   * An id the client may resume after, sent with the keepalive: a filtered stream's Last-Event-ID
   * then moves past the events it was not shown (an id with no data dispatches no event).
   */
  progress: (() => string | null) | null = null;

  constructor(private readonly settings: StreamSettings) {
    this.signal = this.abort.signal;
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.wake(),
        cancel: () => this.end(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: settings.bufferBytes }),
    );
    this.signal.addEventListener('abort', () => this.wake(), { once: true });
  }

  get open(): boolean {
    return !this.ended;
  }

  /** Queues the frame; waits while the client's queue is full. False once the stream has ended. */
  async send(frame: SseFrame): Promise<boolean> {
    return this.enqueue(formatFrame(frame));
  }

  /** A comment line (ignored by clients), with the progress id if any; skipped rather than queued behind a full buffer. */
  keepalive(): void {
    if (this.ended || this.sending || (this.controller?.desiredSize ?? 0) <= 0) return;
    const id = this.progress?.() ?? null;
    this.controller?.enqueue(encoder.encode(id === null ? ': keepalive\n\n' : `: keepalive\nid: ${singleLine(id)}\n\n`));
  }

  /** The first bytes: the advised reconnection delay, so the response starts at once. */
  async start(): Promise<boolean> {
    return this.enqueue(`retry: ${this.settings.retryMs}\n\n`);
  }

  /** Ends the response cleanly (the client sees the end of the body). Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.controller?.close();
    } catch {
      // already cancelled by the client
    }
    this.abort.abort();
  }

  private async enqueue(text: string): Promise<boolean> {
    this.sending = true;
    try {
      while (!this.ended && (this.controller?.desiredSize ?? 0) <= 0) await new Promise<void>((resolve) => this.room.add(resolve));
      if (this.ended) return false;
      this.controller?.enqueue(encoder.encode(text));
      return true;
    } finally {
      this.sending = false;
    }
  }

  private wake(): void {
    for (const resolve of this.room) resolve();
    this.room.clear();
  }
}

/**
 * The open streams of one server, with their keepalive timer. The daemon calls close() before
 * it closes the HTTP server: a stream never ends on its own, and the server's close would wait for it.
 */
export class StreamHub {
  readonly settings: StreamSettings;
  private readonly channels = new Set<SseChannel>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(settings: Partial<StreamSettings> = {}) {
    this.settings = { ...DEFAULT_STREAM_SETTINGS, ...settings };
  }

  /** A new channel, or null once the hub is closed (the server is shutting down: 503). */
  openChannel(): SseChannel | null {
    if (this.closed) return null;
    const channel = new SseChannel(this.settings);
    this.channels.add(channel);
    channel.signal.addEventListener('abort', () => this.forget(channel), { once: true });
    this.timer ??= setInterval(() => this.beat(), this.settings.keepaliveMs);
    this.timer.unref?.();
    return channel;
  }

  get size(): number {
    return this.channels.size;
  }

  /** Ends every open stream and refuses new ones. Idempotent. */
  close(): void {
    this.closed = true;
    for (const channel of [...this.channels]) channel.end();
    this.stopTimer();
  }

  private beat(): void {
    for (const channel of this.channels) channel.keepalive();
  }

  private forget(channel: SseChannel): void {
    this.channels.delete(channel);
    if (this.channels.size === 0) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}

function singleLine(text: string): string {
  if (/[\r\n]/.test(text)) throw new Error('an SSE id or event name must be one line');
  return text;
}
