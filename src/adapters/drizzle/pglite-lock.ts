import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DelegationError } from '../../domain/index.js';

const LOCK_FILE = 'delegations.lock';

/** Another live process has this PGlite data directory open. */
export class DataDirectoryInUseError extends DelegationError {
  override readonly name = 'DataDirectoryInUseError';
}

/**
 * PGlite is one process's database: a second process opening the same data
 * directory corrupts it (seen here: the next start aborts in the WASM). So
 * openPglite takes this lock first, for every user of the library. A lock whose
 * process is gone is stale and taken over.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (let tries = 0; tries < 2; tries += 1) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => release(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      // Our own pid in the file is a previous life of this process (pid 1 in a container), not a rival.
      if (holder !== process.pid && isAlive(holder)) {
        throw new DataDirectoryInUseError(`data directory ${dataDir} is in use by process ${holder} (a running daemon?); stop it or use its admin API`);
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new DataDirectoryInUseError(`could not lock data directory ${dataDir}`);
}

async function release(path: string): Promise<void> {
  const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  if (holder === process.pid) await unlink(path).catch(() => undefined);
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
