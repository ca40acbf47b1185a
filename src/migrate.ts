import { connectPostgres, openPglite } from './adapters/drizzle/connections.js';
import type { PgliteStoreOptions, PostgresStoreOptions } from './delegations.js';

export type MigrateTarget =
  | Pick<PostgresStoreOptions, 'store' | 'connectionString' | 'pool' | 'schema' | 'statementTimeoutMs' | 'connectTimeoutMs'>
  | Pick<PgliteStoreOptions, 'store' | 'dataDir' | 'schema'>;

/** Applies the committed migrations to a database and closes what it opened. */
export async function migrate(target: MigrateTarget): Promise<void> {
  const connection = target.store === 'postgres' ? await connectPostgres({ ...target, migrate: true }) : await openPglite({ ...target, migrate: true });
  await connection.close();
}
