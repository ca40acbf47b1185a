import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate as stockMigrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migratePostgres, MIGRATIONS_FOLDER } from '../../src/adapters/drizzle/migrate.js';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { ledgerTables } from '../../src/adapters/drizzle/schema/tables.js';
import {
  committedMigrations,
  expectUpgradedFromPreRetry,
  hostMigrationsFolder,
  LEGACY_ROWS,
  PRE_RETRY_ROWS,
  releaseWith,
  tablesWith,
} from './migrations-support.js';

// 0000-0003: the release before the retry policy, input_required and rejected.
const PRE_RETRY = 4;

const opened: { pool: pg.Pool; database: TestDatabase }[] = [];

async function freshDatabase(label: string): Promise<pg.Pool> {
  const database = await createTestDatabase(label);
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  opened.push({ pool, database });
  return pool;
}

afterEach(async () => {
  for (const { pool, database } of opened.splice(0)) {
    await pool.end();
    await database.drop();
  }
});

const recorded = async (pool: pg.Pool, table: string) =>
  (await pool.query(`SELECT hash, created_at FROM ${table} ORDER BY created_at`)).rows.map((r) => ({ hash: r.hash, createdAt: Number(r.created_at) }));

describe('migrations on PostgreSQL', () => {
  it('upgrades a database migrated by the previous release: tables and data intact, nothing re-applied, our table records every migration', async () => {
    const pool = await freshDatabase('mig_upgrade');
    // Today's main: drizzle's stock migrator with its default table, then some data.
    await stockMigrate(drizzle(pool), { migrationsFolder: MIGRATIONS_FOLDER });
    await pool.query(LEGACY_ROWS);
    const legacyBefore = await recorded(pool, 'drizzle.__drizzle_migrations');

    expect(await migratePostgres(pool)).toBe(0);

    expect(await recorded(pool, 'public.delegation_migrations')).toEqual(committedMigrations());
    expect(await recorded(pool, 'drizzle.__drizzle_migrations')).toEqual(legacyBefore);
    const store = new DrizzleDelegationStore(drizzle(pool));
    expect(await store.load('legacy-1')).toMatchObject({ status: 'queued', taskPreview: 'written before the upgrade' });
    expect(await store.history('legacy-1')).toHaveLength(1);
    expect((await pool.query("SELECT position FROM delegation_subscriptions WHERE name = 'legacy-sub'")).rows).toEqual([{ position: '1' }]);
    // Running again finds nothing to do.
    expect(await migratePostgres(pool)).toBe(0);
  });

  it('creates our tables in a database whose host also uses drizzle and has a newer migration in drizzle.__drizzle_migrations', async () => {
    const pool = await freshDatabase('mig_host');
    const host = await hostMigrationsFolder();
    try {
      await stockMigrate(drizzle(pool), { migrationsFolder: host.folder });
    } finally {
      await host.remove();
    }

    expect(await migratePostgres(pool)).toBe(committedMigrations().length);

    const tables = await pool.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
    expect(tables.rows.map((r) => r.table_name)).toEqual(tablesWith('host_orders'));
    expect(await recorded(pool, 'public.delegation_migrations')).toEqual(committedMigrations());
    // The host's record is left as it was.
    expect(await recorded(pool, 'drizzle.__drizzle_migrations')).toHaveLength(1);
  });

  it('lets replicas that start together migrate at once: one applies, the others find nothing to do', async () => {
    const pool = await freshDatabase('mig_replicas');
    const counts = await Promise.all([migratePostgres(pool), migratePostgres(pool), migratePostgres(pool)]);
    expect(counts.sort()).toEqual([0, 0, committedMigrations().length]);
    expect(await recorded(pool, 'public.delegation_migrations')).toEqual(committedMigrations());
  });

  it.each(['public', 'tenant_old'])(
    'upgrades a database of the release before retries in schema %s: rows intact, new columns empty, new checks and indexes',
    async (schema) => {
      const pool = await freshDatabase(`mig_pre_retry_${schema}`);
      const rows = async (text: string) => (await pool.query(text)).rows;
      await pool.query(releaseWith(PRE_RETRY, schema));
      await pool.query(`BEGIN; SET LOCAL search_path TO "${schema}"; ${PRE_RETRY_ROWS}; COMMIT`);

      expect(await migratePostgres(pool, { schema })).toBe(committedMigrations().length - PRE_RETRY);
      expect(await migratePostgres(pool, { schema })).toBe(0);

      expect(await recorded(pool, `"${schema}".delegation_migrations`)).toEqual(committedMigrations());
      await expectUpgradedFromPreRetry(rows, new DrizzleDelegationStore(drizzle(pool), { tables: ledgerTables(schema) }), schema);
    },
  );
});
