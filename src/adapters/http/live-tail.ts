import { randomUUID } from 'node:crypto';
import type { Logger } from '../../app/ports.js';
import type { SubscriptionHandle, Subscriptions } from '../../app/subscriptions-api.js';
import type { EventType, StoredEvent } from '../../domain/index.js';

// One read and one handler call; the handler waits on the client, so this also bounds what one slow client holds.
const TAIL_BATCH = 100;

export type TailRequest = {
  readonly subscriptions: Subscriptions;
  /** The first position wanted, or 'end' for what is committed from now on. */
  readonly from: number | 'end';
  readonly types?: readonly EventType[] | undefined;
  /** Called once per event, in position order, each position at most once; false stops the tail. */
  readonly deliver: (event: StoredEvent) => Promise<boolean>;
  /** Aborting stops the tail. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
};

/**
 * A tail of the event log for one HTTP stream: the same reader as a subscription (events in
 * position order, never past a position an open transaction could still fill), with no
 * checkpoint. A batch the runner retries (its handler failed halfway) is not delivered twice:
 * positions already delivered are skipped. `done` resolves when the tail stops, for whatever reason.
 */
export function startTail(request: TailRequest): RunningTail {
  let delivered = 0;
  let stopped = false;
  let handle: SubscriptionHandle | null = null;
  const stop = () => {
    stopped = true;
    void handle?.stop();
  };
  handle = request.subscriptions.subscribe({
    name: `http-stream-${randomUUID()}`,
    from: request.from,
    types: request.types,
    checkpoint: false,
    batchSize: TAIL_BATCH,
    handler: async (events) => {
      for (const event of events) {
        if (stopped || event.position <= delivered) continue;
        if (!(await request.deliver(event))) return stop();
        delivered = event.position;
      }
    },
  });
  if (request.signal.aborted) stop();
  else request.signal.addEventListener('abort', stop, { once: true });
  const running = handle;
  const done = running.done.then(
    () => undefined,
    (error: unknown) => request.logger.warn({ subscription: running.name, position: running.position, err: error }, 'event stream ended: its reader gave up'),
  );
  return {
    done: done.finally(() => request.signal.removeEventListener('abort', stop)),
    readThrough: () => running.position,
  };
}

export type RunningTail = {
  readonly done: Promise<void>;
  /** The position every event up to which was delivered or filtered out; null before the first read. */
  readThrough(): number | null;
};
