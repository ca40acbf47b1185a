import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate as stockMigrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { migratePglite, MIGRATIONS_FOLDER } from '../../src/adapters/drizzle/migrate.js';
import { committedMigrations, hostMigrationsFolder, LEGACY_ROWS } from './migrations-support.js';

// Two fresh PGlites (each starts in seconds): the previous release's database, and a host's.
let legacy: PGlite;
let host: PGlite;

beforeAll(async () => {
  [legacy, host] = await Promise.all([PGlite.create(), PGlite.create()]);
});

afterAll(async () => {
  await Promise.all([legacy?.close(), host?.close()]);
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
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'delegation_events',
      'delegation_migrations',
      'delegation_subscriptions',
      'delegation_sweep_state',
      'delegations',
      'host_orders',
    ]);
    expect(await recorded(host, 'drizzle.__drizzle_migrations')).toHaveLength(1);
  });
});
