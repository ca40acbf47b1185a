import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { connectPostgres, type Connection } from '../../src/adapters/drizzle/connections.js';
import { query, type DrizzleDb, type Row } from '../../src/adapters/drizzle/db.js';
import { RESET_TABLES } from './tables.js';

/** Where the tests create their databases: DATABASE_URL_ADMIN, else the local server with trust auth. */
export const ADMIN_URL = process.env.DATABASE_URL_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type TestDatabase = {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
};

/** Connects to the admin database; an unreachable server fails the suite with a message that says what to do. */
async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is unreachable at ${withoutPassword(ADMIN_URL)} (${(error as Error).message}). ` +
        'The PostgreSQL suites need a server: start it with ' +
        '`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` or set DATABASE_URL_ADMIN.',
      { cause: error },
    );
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A database of its own for one test file, named so parallel files and runs never meet. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const suffix = label.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  const name = `dl_${process.pid}_${randomBytes(4).toString('hex')}_${suffix}`.slice(0, 63);
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      // FORCE: a pool a failed test forgot must not keep the database alive.
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** Registers beforeAll/afterAll that create and drop this file's database; call the result inside tests. */
export function usePostgresDatabase(label: string): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(label);
  });
  afterAll(async () => {
    await database?.drop();
  });
  return () => {
    if (database === undefined) throw new Error('the test database is not ready (did its beforeAll fail?)');
    return database;
  };
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

export type PostgresConnection = {
  readonly database: TestDatabase;
  readonly db: DrizzleDb;
  readonly pool: pg.Pool;
  /** The connection for adapters built per case (with its NOTIFY wake-ups): closing it is a no-op, the file owns the pool. */
  readonly shared: Connection;
  reset(): Promise<void>;
  exec(text: string): Promise<Row[]>;
};

/**
 * This file's database, migrated, with one pool for the whole file; emptied between cases with reset().
 * `route` changes how it is reached (e.g. through a pooler: test/support/pgbouncer.ts).
 */
export function usePostgresConnection(
  label: string,
  poolSize = 4,
  route: (database: TestDatabase) => TestDatabase = (database) => database,
): () => PostgresConnection {
  let connection: PostgresConnection | undefined;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const database = route(await createTestDatabase(label));
    const opened = await connectPostgres({ connectionString: database.url, poolSize, migrate: true }).catch(async (error) => {
      await database.drop();
      throw error;
    });
    close = async () => {
      await opened.close();
      await database.drop();
    };
    const { db, pool } = opened;
    connection = {
      database,
      db,
      pool,
      shared: { db, notifications: opened.notifications, pooler: opened.pooler, close: async () => undefined },
      reset: async () => void (await pool.query(RESET_TABLES)),
      exec: (text) => query(db, sql.raw(text)),
    };
  });
  afterAll(async () => {
    await close?.();
  });
  return () => {
    if (connection === undefined) throw new Error('the PostgreSQL connection is not ready (did its beforeAll fail?)');
    return connection;
  };
}
