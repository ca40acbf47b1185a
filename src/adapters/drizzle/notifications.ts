import pg from 'pg';
import { toDatabaseError } from './database-errors.js';
import { sessionThroughPooler } from './pooler.js';
import { DEFAULT_SCHEMA } from './schema/tables.js';

// Far above a notification's delivery on any working session (milliseconds): a miss costs only latency.
const DELIVERY_PROOF_MS = 2_000;

/**
 * LISTEN cannot work on this connection: a pooler in transaction mode runs it on a server
 * connection that goes back to the pool, and the notifications never reach the listener.
 * Subscribers and waiters poll instead. `firstTime` is true for the one rejection that found out.
 */
export class NotificationsUnavailableError extends Error {
  override readonly name = 'NotificationsUnavailableError';
  constructor(readonly firstTime: boolean) {
    super('LISTEN does not reach this process through the connection pooler (transaction pooling)');
  }
}

export const EVENTS_CHANNEL = 'delegation_events';

/** One channel per schema, so ledgers in two schemas of one database do not wake each other. */
export const eventsChannel = (schema: string): string => (schema === DEFAULT_SCHEMA ? EVENTS_CHANNEL : `${schema}_${EVENTS_CHANNEL}`);

/** Wake-ups across processes for subscriptions: a hint only, polling covers a lost one. */
export type DatabaseNotifications = {
  /** Tells listeners in every process that events were appended. Never throws. */
  announce(): void;
  /**
   * Opens a listening session; `onLost` is called once if the session dies. Rejects with
   * NotificationsUnavailableError when a pooler keeps notifications from arriving, and from then on.
   */
  listen(onNotify: () => void, onLost: (error: unknown) => void): Promise<{ close(): Promise<void> }>;
};

/**
 * NOTIFY from the writing process after its write, not inside the write: a
 * transaction that notifies takes a lock held through its commit that serialises
 * every notifying commit in the cluster, which halved the throughput of eight
 * concurrent writers here. Announcements are coalesced: one in flight at a time,
 * plus one more for whatever was appended meanwhile.
 */
export function postgresNotifications(pool: pg.Pool, schema: string = DEFAULT_SCHEMA): DatabaseNotifications {
  const channel = eventsChannel(schema);
  let inFlight = false;
  let again = false;
  let unavailable = false;
  const send = async () => {
    do {
      again = false;
      // Nothing depends on the notification surviving a crash: no need to wait for a disk flush.
      await pool.query(`SELECT set_config('synchronous_commit', 'off', true), pg_notify('${channel}', '')`).catch(() => undefined);
    } while (again);
    inFlight = false;
  };
  return {
    announce() {
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      void send();
    },
    async listen(onNotify, onLost) {
      if (unavailable) throw new NotificationsUnavailableError(false);
      try {
        return await listenOn(pool, channel, onNotify, onLost);
      } catch (error) {
        if (!(error instanceof NotificationsUnavailableError)) throw error;
        // Two sessions may have found out at once: only one of them is the first.
        const first = !unavailable;
        unavailable = true;
        throw new NotificationsUnavailableError(first);
      }
    },
  };
}

async function listenOn(pool: pg.Pool, channel: string, onNotify: () => void, onLost: (error: unknown) => void) {
  // A connection of its own, outside the pool: LISTEN lasts as long as the session.
  const client = new pg.Client(pool.options);
  let open = true;
  const lost = (error: unknown) => {
    if (!open) return;
    open = false;
    onLost(error);
  };
  client.on('error', lost);
  client.on('end', () => lost(new Error('the listening connection ended')));
  let arrived: () => void = () => undefined;
  const delivered = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  client.on('notification', (message) => {
    if (message.channel !== channel) return;
    arrived();
    onNotify();
  });
  try {
    await client.connect();
    const pooled = await sessionThroughPooler(client);
    await client.query(`LISTEN ${channel}`);
    // A direct session always receives; through a pooler only a notification that arrives proves it.
    if (pooled === true && !(await proveDelivery(pool, channel, delivered))) throw new NotificationsUnavailableError(true);
  } catch (error) {
    open = false;
    await client.end().catch(() => undefined);
    throw error instanceof NotificationsUnavailableError ? error : toDatabaseError(error);
  }
  return {
    close: async () => {
      open = false;
      await client.end().catch(() => undefined);
    },
  };
}

/** Sends a notification from the pool (another session) and waits a bounded time for the listener to see any. */
async function proveDelivery(pool: pg.Pool, channel: string, delivered: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), DELIVERY_PROOF_MS);
  });
  try {
    await pool.query(`SELECT pg_notify('${channel}', 'probe')`);
    return await Promise.race([delivered.then(() => true), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
