import { execFile } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Debian's layout: one directory per major version. */
const DEBIAN_ROOT = '/usr/lib/postgresql';

/** The directory holding initdb and pg_ctl: Debian's newest version, else the first on PATH. */
export async function findBinDir(): Promise<string | undefined> {
  const versions = await readdir(DEBIAN_ROOT).catch(() => [] as string[]);
  const newest = versions.filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  const candidates = [...newest.map((version) => join(DEBIAN_ROOT, version, 'bin')), ...(process.env.PATH ?? '').split(delimiter)];
  for (const dir of candidates) if (dir !== '' && (await hasTools(dir))) return dir;
  return undefined;
}

async function hasTools(dir: string): Promise<boolean> {
  try {
    await access(join(dir, 'initdb'));
    await access(join(dir, 'pg_ctl'));
    return true;
  } catch {
    return false;
  }
}

export type SystemUser = { readonly name: string; readonly uid: number; readonly gid: number };

/** initdb refuses root: as root the cluster belongs to `postgres`; any other user runs it as itself. */
export async function postgresUser(): Promise<SystemUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { name: 'postgres', uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch (error) {
    throw new Error('running as root, a scratch cluster needs a `postgres` system user', { cause: error });
  }
}

/** Every descendant of a process, read from /proc (backends are the postmaster's direct children). */
export async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    // The command name is in parentheses and may contain spaces: fields resume after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
