import { sql } from 'drizzle-orm';
import type { Clock } from '../../app/ports.js';
import { query, type DrizzleDb } from './db.js';

/**
 * The database's clock: replicas with skewed clocks still agree on every stamp
 * and every sweep comparison, because they all ask the same server.
 *
 * Under load, every ledger operation asking for its own read cost as much as the
 * operation's own write. So at most one read is on its way at a time, and the
 * calls made meanwhile share the next one, sent when it returns: a read already
 * sent may have taken the time before such a call began, the next cannot. Each
 * caller still gets a time taken after its call, and a Date of its own.
 */
export class DatabaseClock implements Clock {
  private sent: Promise<number> | null = null;
  private queued: Promise<number> | null = null;

  constructor(private readonly db: DrizzleDb) {}

  /** Whether this clock reads the database behind `db` (the same handle, or the same pool or PGlite). */
  reads(db: DrizzleDb): boolean {
    const client = (handle: DrizzleDb) => (handle as { $client?: unknown }).$client;
    return db === this.db || (client(db) !== undefined && client(db) === client(this.db));
  }

  async now(): Promise<Date> {
    return new Date(await this.nextRead());
  }

  private nextRead(): Promise<number> {
    const sent = this.sent;
    if (sent === null) return this.send();
    this.queued ??= sent.then(ignore, ignore).then(() => {
      this.queued = null;
      return this.send();
    });
    return this.queued;
  }

  private send(): Promise<number> {
    const read = this.read();
    this.sent = read;
    const clear = () => {
      if (this.sent === read) this.sent = null;
    };
    read.then(clear, clear);
    return read;
  }

  private async read(): Promise<number> {
    const [row] = await query(this.db, sql`SELECT clock_timestamp() AS now`);
    const value = row?.now;
    return (value instanceof Date ? value : new Date(String(value))).getTime();
  }
}

const ignore = (): void => undefined;
