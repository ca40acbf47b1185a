import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { dataDirState } from './data-dir.js';
import { lockDataDir } from './pglite-lock.js';

/**
 * Creating a PGlite cluster (initdb and the migrations) blocks its thread for
 * seconds; a daemon's health route must answer meanwhile. So a fresh data
 * directory is created in a worker thread, under the lock, and only then opened
 * by the caller, which then blocks for the open alone. A directory that already
 * holds a cluster is left as it is.
 */
export async function createPgliteInWorker(dataDir: string, schema?: string | undefined): Promise<void> {
  const release = await lockDataDir(dataDir);
  try {
    if ((await dataDirState(dataDir)) === 'ledger') return;
    await runWorker(dataDir, schema);
  } finally {
    await release();
  }
}

function runWorker(dataDir: string, schema: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(dataDir, schema);
    worker.once('message', (reply: { ok: boolean; message?: string }) => {
      void worker.terminate();
      if (reply.ok) resolve();
      else reject(new Error(`cannot create PGlite in ${dataDir}: ${reply.message}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the worker creating PGlite in ${dataDir} exited with code ${code}`)));
  });
}

/** From the TypeScript sources (tsx, vitest) a worker registers tsx first; from compiled JavaScript it loads the sibling file. */
function spawnWorker(dataDir: string, schema: string | undefined): Worker {
  const compiled = new URL('./pglite-create-worker.js', import.meta.url);
  if (import.meta.url.endsWith('.js') && existsSync(compiled)) return new Worker(compiled, { workerData: { dataDir, schema } });
  const tsconfig = fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
  const entry = new URL('./pglite-create-worker.ts', import.meta.url).href;
  return new Worker(TSX_BOOT, { eval: true, workerData: { dataDir, schema, tsx: import.meta.resolve('tsx/esm/api'), entry, tsconfig } });
}

const TSX_BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then(({ register }) => {
  register({ tsconfig: workerData.tsconfig });
  return import(workerData.entry);
});
`;
