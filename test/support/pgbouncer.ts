import { afterAll, beforeAll } from 'vitest';
import { findPgBouncer, type PgBouncer, type PgBouncerOptions, startPgBouncer } from './pgbouncer-process.js';
import { ADMIN_URL, type TestDatabase } from './postgres.js';

export { findPgBouncer, startPgBouncer, type PgBouncer } from './pgbouncer-process.js';

/** For describe.skipIf: true only outside CI when PgBouncer is missing; in CI its absence fails the suite. */
export async function skipPgBouncer(): Promise<boolean> {
  if ((await findPgBouncer()) !== undefined) return false;
  if (process.env.CI === 'true') throw new Error('the PgBouncer suites need pgbouncer (apt-get install -y pgbouncer, or set PGBOUNCER_BIN)');
  return true;
}

/** Registers beforeAll/afterAll that start this file's PgBouncer and stop it; call the result inside tests. */
export function usePgBouncer(options: Omit<PgBouncerOptions, 'server'> = {}): () => PgBouncer {
  let bouncer: PgBouncer | undefined;
  beforeAll(async () => {
    bouncer = await startPgBouncer({ ...options, server: ADMIN_URL });
  });
  afterAll(async () => {
    await bouncer?.stop();
  });
  return () => {
    if (bouncer === undefined) throw new Error('PgBouncer is not running (did its beforeAll fail?)');
    return bouncer;
  };
}

/** The same database, reached through the pooler (its drop() still goes to the server). */
export function through(bouncer: () => PgBouncer): (database: TestDatabase) => TestDatabase {
  return (database) => ({ ...database, url: bouncer().url(database.name) });
}
