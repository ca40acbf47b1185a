import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { Container } from 'inversify';
import { afterAll, beforeAll } from 'vitest';
import type { ConfigOverrides } from '../../src/app/config.js';
import { configModule } from '../../src/app/config-module.js';
import type { Clock, Logger } from '../../src/app/ports.js';
import { servicesModule } from '../../src/app/services-module.js';
import { TOKENS } from '../../src/app/tokens.js';
import { verifyProjections } from '../../src/app/verify.js';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import type { Delegations } from '../../src/delegations.js';
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

/** The part of Delegations these tests drive: the ledger and sweeper services over the store. */
export type LedgerServices = Pick<Delegations, 'ledger' | 'sweeper' | 'store' | 'config' | 'container' | 'verify' | 'close'>;

/**
 * A Delegations on this file's PGlite, emptied first: the modules createDelegations
 * loads, in a container of the test's own, over the shared connection (a new PGlite
 * per case would cost seconds). close() stops the sweeper and leaves the PGlite open.
 */
export async function delegationsOnPglite(pglite: PgliteDatabase, options: PgliteDelegationsOptions = {}): Promise<LedgerServices> {
  await pglite.reset();
  const { clock, logger = silentLogger, ...overrides } = options;
  const container = new Container();
  container.load(configModule(overrides, logger, {}), drizzleModule(pglite.shared, { clock }), servicesModule);
  const store = container.get(TOKENS.Store);
  const sweeper = container.get(TOKENS.Sweeper);
  return {
    ledger: container.get(TOKENS.Ledger),
    sweeper,
    store,
    config: container.get(TOKENS.Config),
    container,
    verify: () => verifyProjections(store),
    close: async () => {
      await sweeper.stop();
      await store.close();
    },
  };
}
