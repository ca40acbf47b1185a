import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { migratePglite, MIGRATIONS_FOLDER } from '../../src/adapters/drizzle/migrate.js';

/**
 * A fresh PGlite runs initdb and the migrations: 4-10 s on these machines. Loading a
 * dump of an already migrated one takes about 1 s, so the first test file that needs
 * PGlite writes that dump to the temp directory, keyed by the migrations' content,
 * and every later file (and run) starts from it.
 */
export async function openMigratedPglite(): Promise<PGlite> {
  const path = join(tmpdir(), `delegation-ledger-pglite-${await migrationsHash()}.tar`);
  const cached = await readFile(path).catch(() => null);
  if (cached !== null) {
    const client = await PGlite.create({ loadDataDir: new Blob([cached]) }).catch(() => null);
    if (client !== null) return migrated(client);
    // An unreadable dump (another PGlite version wrote it): build a new one below.
  }
  const client = await migrated(await PGlite.create());
  const dump = Buffer.from(await (await client.dumpDataDir('none')).arrayBuffer());
  // Written aside then renamed, so a file running in parallel never reads half a dump.
  const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(partial, dump);
  await rename(partial, path).catch(() => rm(partial, { force: true }));
  return client;
}

/** Migrating a loaded template finds nothing to do; it only guards against a stale dump. */
async function migrated(client: PGlite): Promise<PGlite> {
  try {
    await migratePglite(client);
    return client;
  } catch (error) {
    await client.close();
    throw error;
  }
}

async function migrationsHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(MIGRATIONS_FOLDER, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) hash.update(relative(MIGRATIONS_FOLDER, file)).update(await readFile(file));
  return hash.digest('hex').slice(0, 16);
}
