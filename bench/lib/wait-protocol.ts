/** What the waitFor bench's two processes say to each other over the fork's IPC channel. */
export type CompleterRequest =
  | { readonly type: 'ping' }
  | {
      readonly type: 'complete';
      /** Through the child's ledger, or by hand (UPDATE, then NOTIFY the id on `channel`). */
      readonly how: 'ledger' | 'raw';
      readonly ids: readonly string[];
      readonly concurrency: number;
      readonly channel: string;
    };

export type CompleterReply =
  | { readonly type: 'ready' }
  | { readonly type: 'pong'; readonly at: number }
  /** Each id with the epoch time (ms) at which its completion's commit had returned. */
  | { readonly type: 'committed'; readonly committed: readonly (readonly [string, number])[] }
  | { readonly type: 'failed'; readonly message: string };

/**
 * Epoch milliseconds with sub-millisecond resolution: the wall clock read once at process
 * start (timeOrigin) plus the monotonic clock since. Two processes on one machine share
 * the wall clock; the bench measures what offset is left between them (clockOffset).
 */
export const epochMs = (): number => performance.timeOrigin + performance.now();
