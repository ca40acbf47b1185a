import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import { openPglite, type Connection } from '../../src/adapters/drizzle/connections.js';
import { query, type DrizzleDb, type Row } from '../../src/adapters/drizzle/db.js';
import { RESET_TABLES } from './tables.js';

export type PgliteDatabase = {
  readonly client: PGlite;
  readonly db: DrizzleDb;
  /** The connection for adapters built per case: closing it is a no-op, the file owns the PGlite. */
  readonly shared: Connection;
  reset(): Promise<void>;
  exec(text: string): Promise<Row[]>;
};

/**
 * One migrated in-memory PGlite per test file (it takes seconds to start), emptied
 * between cases with reset() and always closed after the file.
 */
export function usePglite(): () => PgliteDatabase {
  let database: PgliteDatabase | undefined;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const connection = await openPglite({ migrate: true });
    close = () => connection.close();
    const { db, client } = connection;
    database = {
      client,
      db,
      shared: { db, close: async () => undefined },
      reset: async () => void (await client.exec(RESET_TABLES)),
      exec: (text) => query(db, sql.raw(text)),
    };
  });
  afterAll(async () => {
    await close?.();
  });
  return () => {
    if (database === undefined) throw new Error('PGlite is not ready (did its beforeAll fail?)');
    return database;
  };
}
