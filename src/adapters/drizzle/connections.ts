import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { DrizzleDb } from './db.js';
import { migratePglite, migratePostgres } from './migrate.js';
import { lockDataDir } from './pglite-lock.js';
import { postgresNotifications, type DatabaseNotifications } from './notifications.js';
import * as schema from './schema/index.js';

export type Connection = {
  readonly db: DrizzleDb;
  /** Subscription wake-ups across processes (PostgreSQL); without them other processes' subscribers poll. */
  readonly notifications?: DatabaseNotifications | undefined;
  /** Ends what this connection owns; a pool the host passed in stays open. */
  close(): Promise<void>;
};

export type PostgresConnectionOptions = {
  readonly connectionString?: string | undefined;
  readonly pool?: pg.Pool | undefined;
  readonly migrate?: boolean | undefined;
  readonly poolSize?: number | undefined;
};

export async function connectPostgres(options: PostgresConnectionOptions): Promise<Connection & { pool: pg.Pool }> {
  if (options.pool === undefined && !options.connectionString) {
    throw new Error('a PostgreSQL store needs a connectionString or a pool');
  }
  const owned = options.pool === undefined;
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
  if (owned) {
    // A client the server dropped (restart, failover, a killed backend) emits 'error': the pool's
    // when idle, its own while checked out. Either way its queries fail with the error and the pool
    // replaces it; unhandled, the event would end the process.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
  }
  try {
    if (options.migrate ?? true) await migratePostgres(pool);
  } catch (error) {
    if (owned) await pool.end();
    throw error;
  }
  return {
    pool,
    db: drizzlePg(pool, { schema }) as unknown as DrizzleDb,
    notifications: postgresNotifications(pool),
    close: async () => {
      if (owned) await pool.end();
    },
  };
}

export type PgliteConnectionOptions = {
  /** A directory to persist into; in memory when absent. */
  readonly dataDir?: string | undefined;
  readonly migrate?: boolean | undefined;
};

export async function openPglite(options: PgliteConnectionOptions): Promise<Connection & { client: PGlite }> {
  const release = options.dataDir === undefined ? async () => undefined : await lockDataDir(options.dataDir);
  let client: PGlite | undefined;
  try {
    client = options.dataDir === undefined ? await PGlite.create() : await PGlite.create({ dataDir: options.dataDir });
    if (options.migrate ?? true) await migratePglite(client);
  } catch (error) {
    await client?.close();
    await release();
    throw error;
  }
  const opened = client;
  return {
    client: opened,
    db: drizzlePglite(opened, { schema }) as unknown as DrizzleDb,
    close: () => opened.close().finally(release),
  };
}
