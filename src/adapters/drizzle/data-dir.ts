import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DelegationError } from '../../domain/index.js';

/** A PGlite data directory that cannot be made or used (under /proc, a file, no permission). */
export class DataDirectoryError extends DelegationError {
  override readonly name = 'DataDirectoryError';
}

/**
 * mkdir -p that cannot spin: Node's recursive mkdir loops forever at 100% CPU
 * when a parent exists but refuses children with ENOENT (/proc/xyz). This walks
 * up to the nearest existing ancestor and creates each level once.
 */
export async function ensureDirectory(path: string): Promise<void> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    const kind = await kindOf(current);
    if (kind === 'directory') break;
    if (kind === 'other') throw new DataDirectoryError(`data directory ${path}: ${current} exists and is not a directory`);
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const dir of missing) {
    try {
      await mkdir(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await kindOf(dir)) === 'directory') continue;
      throw new DataDirectoryError(`cannot create data directory ${path} (${code ?? 'error'} at ${dir})`, { cause: error });
    }
  }
}

/** 'ledger': a PGlite cluster is there; 'absent' or 'empty': one may be created there; 'other': neither. */
export async function dataDirState(path: string): Promise<'ledger' | 'absent' | 'empty' | 'other' | 'not-a-directory'> {
  const kind = await kindOf(path);
  if (kind === 'missing') return 'absent';
  if (kind === 'other') return 'not-a-directory';
  const names = await readdir(path).catch(() => null);
  if (names === null) return 'other';
  if (names.includes('PG_VERSION')) return 'ledger';
  // What a run interrupted before initdb leaves behind: the lock's files and nothing else.
  return names.every((name) => name.startsWith('delegations.lock')) ? 'empty' : 'other';
}

async function kindOf(path: string): Promise<'directory' | 'missing' | 'other'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return code === 'ENOENT' ? 'missing' : 'other';
    throw new DataDirectoryError(`cannot use data directory ${path} (${code ?? 'error'})`, { cause: error });
  }
}
