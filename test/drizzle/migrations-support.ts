import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { MIGRATIONS_FOLDER } from '../../src/adapters/drizzle/migrate.js';

/** Our committed migrations as drizzle records them: (hash, created_at). */
export function committedMigrations(): { hash: string; createdAt: number }[] {
  return readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((m) => ({ hash: m.hash, createdAt: m.folderMillis }));
}

/**
 * A host's own drizzle migrations folder: one migration, timestamped after all of ours,
 * that creates a table of the host's. drizzle's stock migrator records it in
 * drizzle.__drizzle_migrations, the table today's main shared with every host.
 */
export async function hostMigrationsFolder(): Promise<{ folder: string; remove(): Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'host-migrations-'));
  await mkdir(join(folder, 'meta'));
  const latest = Math.max(...committedMigrations().map((m) => m.createdAt));
  const journal = { version: '7', dialect: 'postgresql', entries: [{ idx: 0, version: '7', when: latest + 86_400_000, tag: '0000_host', breakpoints: true }] };
  await writeFile(join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  await writeFile(join(folder, '0000_host.sql'), 'CREATE TABLE "host_orders" ("id" serial PRIMARY KEY, "item" text NOT NULL);');
  return { folder, remove: () => rm(folder, { recursive: true, force: true }) };
}

/** One delegation and its created event, as rows written by today's main would be. */
export const LEGACY_ROWS = `
  INSERT INTO delegations (delegation_id, caller_id, callee_id, task_preview, status, attempt, version, deadline, created_at, updated_at)
    VALUES ('legacy-1', 'caller', 'agent', 'written before the upgrade', 'queued', 1, 1, '2026-01-01T06:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
  INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
    VALUES ('legacy-1', 1, 1, 'created', NULL, 'queued', 'caller', '{"task": "written before the upgrade"}', '2026-01-01T00:00:00Z');
  INSERT INTO delegation_subscriptions (name, position) VALUES ('legacy-sub', 1);`;
