import { sql } from 'drizzle-orm';
import type { Clock } from '../../app/ports.js';
import { query, type DrizzleDb } from './db.js';

/**
 * The database's clock: replicas with skewed clocks still agree on every stamp
 * and every sweep comparison, because they all ask the same server.
 */
export class DatabaseClock implements Clock {
  constructor(private readonly db: DrizzleDb) {}

  async now(): Promise<Date> {
    const [row] = await query(this.db, sql`SELECT clock_timestamp() AS now`);
    const value = row?.now;
    return value instanceof Date ? value : new Date(String(value));
  }
}
