import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { Container } from 'inversify';
import { afterAll, beforeAll } from 'vitest';
import type { ConfigOverrides } from '../../src/app/config.js';
import type { Clock, Logger } from '../../src/app/ports.js';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { loadDelegations, type WiredDelegations } from '../../src/wiring.js';
import type { Connection } from '../../src/adapters/drizzle/connections.js';
import * as schema from '../../src/adapters/drizzle/schema/index.js';
import { query, type DrizzleDb, type Row } from '../../src/adapters/drizzle/db.js';
import { openMigratedPglite } from './pglite-template.js';
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
 * One migrated in-memory PGlite per test file (started from a migrated template, see
 * openMigratedPglite), emptied between cases with reset() and always closed after the file.
 */
export function usePglite(): () => PgliteDatabase {
  let database: PgliteDatabase | undefined;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const client = await openMigratedPglite();
    close = () => client.close();
    // The handle openPglite builds, over a client started from the migrated template.
    const db = drizzle(client, { schema }) as unknown as DrizzleDb;
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

export type PgliteDelegationsOptions = ConfigOverrides & { readonly clock?: Clock | undefined; readonly logger?: Logger | undefined };

/** The services createDelegations wires, with the store in reach. */
export type LedgerServices = WiredDelegations;

/**
 * The wiring createDelegations uses, in a container of the test's own, over this file's
 * PGlite, emptied first (a new PGlite per case would cost seconds). close() stops the
 * sweeper and the subscriptions, and leaves the PGlite open.
 */
export async function delegationsOnPglite(pglite: PgliteDatabase, options: PgliteDelegationsOptions = {}): Promise<LedgerServices> {
  await pglite.reset();
  const { clock, logger = silentLogger, ...config } = options;
  return loadDelegations(new Container(), { adapter: drizzleModule(pglite.shared, { clock }), config, logger, env: {} });
}
