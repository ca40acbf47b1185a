import { PGlite } from '@electric-sql/pglite';
import { parentPort, workerData } from 'node:worker_threads';
import { migratePglite } from './migrate.js';

/** Runs in a worker thread: creates and migrates a PGlite data directory, then closes it. */
const port = parentPort;
if (port === null) throw new Error('pglite-create-worker must run in a worker thread');
const { dataDir, schema } = workerData as { dataDir: string; schema: string | undefined };

try {
  const client = await PGlite.create({ dataDir });
  try {
    await migratePglite(client, { schema });
  } finally {
    await client.close();
  }
  port.postMessage({ ok: true });
} catch (error) {
  port.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
}
