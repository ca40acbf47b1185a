import pg from 'pg';
import { toDatabaseError } from './database-errors.js';
import { DEFAULT_SCHEMA } from './schema/tables.js';

export const EVENTS_CHANNEL = 'delegation_events';

/** One channel per schema, so ledgers in two schemas of one database do not wake each other. */
export const eventsChannel = (schema: string): string => (schema === DEFAULT_SCHEMA ? EVENTS_CHANNEL : `${schema}_${EVENTS_CHANNEL}`);

/** Wake-ups across processes for subscriptions: a hint only, polling covers a lost one. */
export type DatabaseNotifications = {
  /** Tells listeners in every process that events were appended. Never throws. */
  announce(): void;
  /** Opens a listening session; `onLost` is called once if the session dies. */
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
    listen: (onNotify, onLost) => listenOn(pool, channel, onNotify, onLost),
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
  client.on('notification', (message) => {
    if (message.channel === channel) onNotify();
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${channel}`);
  } catch (error) {
    open = false;
    await client.end().catch(() => undefined);
    throw toDatabaseError(error);
  }
  return {
    close: async () => {
      open = false;
      await client.end().catch(() => undefined);
    },
  };
}
