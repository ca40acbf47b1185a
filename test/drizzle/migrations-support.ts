import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { expect } from 'vitest';
import type { DelegationStore } from '../../src/app/ports.js';
import { STATUSES } from '../../src/domain/index.js';
import { MIGRATIONS_FOLDER, MIGRATIONS_TABLE } from '../../src/adapters/drizzle/migrate.js';

/** Our committed migrations as drizzle records them: (hash, created_at). */
/** Every table the committed migrations create in the ledger's schema, sorted as information_schema lists them. */
export const LEDGER_TABLES = [
  'delegation_events',
  'delegation_migrations',
  'delegation_status_counts',
  'delegation_subscriptions',
  'delegation_sweep_state',
  'delegations',
  'webhook_deliveries',
  'webhook_endpoints',
] as const;

/** The ledger's tables with a host's own ones, in information_schema's order. */
export function tablesWith(...host: string[]): string[] {
  return [...LEDGER_TABLES, ...host].sort();
}

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

/**
 * What a release that shipped the first `count` migrations left behind in `schema`: their tables
 * and its record of them, as one script (its own transaction, so a pooled connection keeps no
 * search_path). The files are the committed ones, so the record's hashes are the ones our migrator checks.
 */
export function releaseWith(count: number, schema = 'public'): string {
  const shipped = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).slice(0, count);
  const record = `"${schema}"."${MIGRATIONS_TABLE}"`;
  return [
    'BEGIN',
    `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
    `SET LOCAL search_path TO "${schema}"`,
    ...shipped.flatMap((m) => m.sql.filter((chunk) => chunk.trim() !== '').map((chunk) => chunk.replaceAll('"public".', `"${schema}".`))),
    `CREATE TABLE ${record} (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint NOT NULL UNIQUE)`,
    ...shipped.map((m) => `INSERT INTO ${record} (hash, created_at) VALUES ('${m.hash}', ${m.folderMillis})`),
    'COMMIT',
  ].join(';\n');
}

/** The rows a release before the retry policy wrote: one delegation of each status it knew, the stuck one with its detail. */
export const PRE_RETRY_ROWS = `
  INSERT INTO delegations (delegation_id, caller_id, callee_id, task_preview, status, attempt, version, deadline, error_detail, created_at, updated_at)
    SELECT 'old-' || status, 'caller', 'agent', 'before retries', status, 1, 1, '2026-01-01T06:00:00Z',
      CASE WHEN status = 'stuck' THEN 'no heartbeat for 601s' END, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
    FROM unnest(ARRAY['queued', 'dispatched', 'in_progress', 'stuck', 'completed', 'failed', 'cancelled']) AS status;
  INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
    SELECT delegation_id, 1, 1, 'created', NULL, 'queued', 'caller', '{}', created_at FROM delegations;`;

/**
 * A database of the release before the retry policy, after migrating: its rows as they were (no policy,
 * available at once), the checks and the in-flight index widened to the new statuses, the claim index
 * and the sweep history in place, and the store's new statements working on it.
 */
export async function expectUpgradedFromPreRetry(rows: (text: string) => Promise<Record<string, unknown>[]>, store: DelegationStore, schema: string) {
  const old = await store.list({ statuses: [...STATUSES], limit: 100 });
  expect(old.map((d) => d.status).sort()).toEqual(['cancelled', 'completed', 'dispatched', 'failed', 'in_progress', 'queued', 'stuck']);
  for (const d of old) expect(d).toMatchObject({ taskPreview: 'before retries', retry: null, availableAt: null });
  expect(await store.load('old-stuck')).toMatchObject({ status: 'stuck', errorDetail: 'no heartbeat for 601s' });

  await rows(`UPDATE "${schema}".delegations SET status = 'input_required' WHERE delegation_id = 'old-in_progress'`);
  await expect(rows(`UPDATE "${schema}".delegations SET status = 'waiting' WHERE delegation_id = 'old-queued'`)).rejects.toThrow();
  const indexes = await rows(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '${schema}' AND tablename = 'delegations'`);
  const definition = (name: string) => String(indexes.find((index) => index.indexname === name)?.indexdef);
  expect(definition('delegations_in_flight_idx')).toContain("'input_required'");
  expect(definition('delegations_claim_idx')).toMatch(/\(callee_id, created_at, delegation_id\) WHERE \(status = 'queued'/);

  const now = new Date('2026-01-01T01:00:00Z');
  expect((await store.claim({ calleeId: 'agent', limit: 10, now, actor: 'worker' })).delegations.map((d) => d.delegationId)).toEqual(['old-queued']);
  expect(await store.beginSweep(now, { bootGraceMs: 60_000, outageGapMs: 60_000 })).toEqual({ staleRuleActive: false, graceFrom: now });
  const late = new Date('2026-01-01T07:00:00Z');
  expect(await store.sweep(late, { thresholdMs: 600_000, staleRuleActive: true }, 'sweeper')).toMatchObject({ deadlineFailures: 4, scanned: 4 });
  expect(await rows(`SELECT last_completed_at FROM "${schema}".delegation_sweep_state`)).toEqual([{ last_completed_at: late }]);
  // The counts stats() reads began with the rows the release already had, and followed every write since.
  const table = Object.fromEntries(STATUSES.map((status) => [status, 0]));
  for (const row of await rows(`SELECT status, count(*)::int AS n FROM "${schema}".delegations GROUP BY status`)) table[String(row.status)] = Number(row.n);
  expect(await store.countByStatus()).toEqual(table);
  expect((await store.countByStatus()).failed).toBe(5);
}
