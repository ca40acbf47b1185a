import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate as stockMigrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { migratePglite, MIGRATIONS_FOLDER } from '../../src/adapters/drizzle/migrate.js';
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

// Three fresh PGlites (each starts in seconds): a database of drizzle's migrator, a host's, and one of the release before retries.
let legacy: PGlite;
let host: PGlite;
let preRetry: PGlite;

beforeAll(async () => {
  [legacy, host, preRetry] = await Promise.all([PGlite.create(), PGlite.create(), PGlite.create()]);
});

afterAll(async () => {
  await Promise.all([legacy?.close(), host?.close(), preRetry?.close()]);
});

const recorded = async (client: PGlite, table: string) =>
  (await client.query<{ hash: string; created_at: number | string }>(`SELECT hash, created_at FROM ${table} ORDER BY created_at`)).rows.map((r) => ({
    hash: r.hash,
    createdAt: Number(r.created_at),
  }));

describe('migrations on PGlite', () => {
  it('upgrades a database migrated by the previous release: tables and data intact, nothing re-applied, our table records every migration', async () => {
    await stockMigrate(drizzle(legacy), { migrationsFolder: MIGRATIONS_FOLDER });
    await legacy.exec(LEGACY_ROWS);

    expect(await migratePglite(legacy)).toBe(0);

    expect(await recorded(legacy, 'public.delegation_migrations')).toEqual(committedMigrations());
    expect(await recorded(legacy, 'drizzle.__drizzle_migrations')).toEqual(committedMigrations());
    const store = new DrizzleDelegationStore(drizzle(legacy));
    expect(await store.load('legacy-1')).toMatchObject({ status: 'queued', taskPreview: 'written before the upgrade' });
    expect(await store.history('legacy-1')).toHaveLength(1);
    expect(await migratePglite(legacy)).toBe(0);
  });

  it('creates our tables in a database whose host also uses drizzle and has a newer migration in drizzle.__drizzle_migrations', async () => {
    const folder = await hostMigrationsFolder();
    try {
      await stockMigrate(drizzle(host), { migrationsFolder: folder.folder });
    } finally {
      await folder.remove();
    }

    expect(await migratePglite(host)).toBe(committedMigrations().length);

    const tables = await host.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(tablesWith('host_orders'));
    expect(await recorded(host, 'drizzle.__drizzle_migrations')).toHaveLength(1);
  });

  it.each(['public', 'tenant_old'])(
    'upgrades a database of the release before retries in schema %s: rows intact, new columns empty, new checks and indexes',
    async (schema) => {
      const rows = async (text: string) => (await preRetry.query<Record<string, unknown>>(text)).rows;
      await preRetry.exec(releaseWith(PRE_RETRY, schema));
      await preRetry.exec(`SET search_path TO "${schema}"; ${PRE_RETRY_ROWS}; RESET search_path`);

      expect(await migratePglite(preRetry, { schema })).toBe(committedMigrations().length - PRE_RETRY);
      expect(await migratePglite(preRetry, { schema })).toBe(0);

      expect(await recorded(preRetry, `"${schema}".delegation_migrations`)).toEqual(committedMigrations());
      await expectUpgradedFromPreRetry(rows, new DrizzleDelegationStore(drizzle(preRetry), { tables: ledgerTables(schema) }), schema);
    },
  );
});
