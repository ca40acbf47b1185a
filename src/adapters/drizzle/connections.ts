import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { ConfigurationError } from '../../domain/index.js';
import type { DrizzleDb } from './db.js';
import { migratePglite, migratePostgres } from './migrate.js';
import { lockDataDir } from './pglite-lock.js';
import { PoolerProbe } from './pooler.js';
import { postgresNotifications, type DatabaseNotifications } from './notifications.js';
import { ledgerTables, type LedgerTables } from './schema/tables.js';
import { poolTimeouts, type TimeoutOptions } from './timeouts.js';

export type Connection = {
  readonly db: DrizzleDb;
  /** The tables in the schema this connection was opened for (public unless a schema was given). */
  readonly tables?: LedgerTables | undefined;
  /** Subscription wake-ups across processes (PostgreSQL); without them other processes' subscribers poll. */
  readonly notifications?: DatabaseNotifications | undefined;
  /** Whether a pooler stands between the pool and the server (PostgreSQL); decides 'auto' prepared statements. */
  readonly pooler?: PoolerProbe | undefined;
  /** Ends what this connection owns; a pool the host passed in stays open. */
  close(): Promise<void>;
};

export type SchemaOption = {
  /** The PostgreSQL schema that holds the ledger's tables (default public). */
  readonly schema?: string | undefined;
};

export type PostgresConnectionOptions = SchemaOption &
  TimeoutOptions & {
    readonly connectionString?: string | undefined;
    /** A host's pool: its own settings apply, the time limits here do not. */
    readonly pool?: pg.Pool | undefined;
    readonly migrate?: boolean | undefined;
    readonly poolSize?: number | undefined;
  };

export async function connectPostgres(options: PostgresConnectionOptions): Promise<Connection & { pool: pg.Pool }> {
  if (options.pool === undefined && !options.connectionString) {
    throw new ConfigurationError('a PostgreSQL store needs a connectionString or a pool');
  }
  const tables = ledgerTables(options.schema);
  const owned = options.pool === undefined;
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10, ...poolTimeouts(options) });
  if (owned) {
    // A client the server dropped (restart, failover, a killed backend) emits 'error': the pool's
    // when idle, its own while checked out. Either way its queries fail with the error and the pool
    // replaces it; unhandled, the event would end the process.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
  }
  const pooler = new PoolerProbe(pool);
  try {
    if (options.migrate ?? true) {
      await migratePostgres(pool, { schema: tables.schema });
      // The server answers now: ask before the first statement needs to know.
      await pooler.pooled();
    }
  } catch (error) {
    if (owned) await pool.end();
    throw error;
  }
  return {
    pool,
    tables,
    pooler,
    db: drizzlePg(pool, { schema: relational(tables) }) as unknown as DrizzleDb,
    notifications: postgresNotifications(pool, tables.schema),
    // Once: a second close (the store's, then the host's) must not fail on an ended pool.
    close: once(async () => {
      if (owned) await pool.end();
    }),
  };
}

export type PgliteConnectionOptions = SchemaOption & {
  /** A directory to persist into; in memory when absent. */
  readonly dataDir?: string | undefined;
  readonly migrate?: boolean | undefined;
};

export async function openPglite(options: PgliteConnectionOptions): Promise<Connection & { client: PGlite }> {
  const tables = ledgerTables(options.schema);
  const release = options.dataDir === undefined ? async () => undefined : await lockDataDir(options.dataDir);
  let client: PGlite | undefined;
  try {
    client = options.dataDir === undefined ? await PGlite.create() : await PGlite.create({ dataDir: options.dataDir });
    if (options.migrate ?? true) await migratePglite(client, { schema: tables.schema });
  } catch (error) {
    await client?.close();
    await release();
    throw error;
  }
  const opened = client;
  return {
    client: opened,
    tables,
    db: drizzlePglite(opened, { schema: relational(tables) }) as unknown as DrizzleDb,
    close: once(() => opened.close().finally(release)),
  };
}

/** The tables for drizzle's relational queries (a host's transactional handler may use them). */
function relational({ delegations, delegationEvents, delegationSubscriptions }: LedgerTables) {
  return { delegations, delegationEvents, delegationSubscriptions };
}

function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= close();
    return closing;
  };
}
