import { readFile } from 'node:fs/promises';

/**
 * Who holds a lock, in a form that outlives PID reuse: the pid alone names a
 * different process once the holder died and the number came round again (pid 1
 * in every container). With the process's start time (clock ticks since boot,
 * from /proc) and the boot id, a reused pid no longer matches.
 */
export type ProcessIdentity = { readonly pid: number; readonly start: string | null; readonly boot: string | null };

let own: Promise<ProcessIdentity> | undefined;

export function ownIdentity(): Promise<ProcessIdentity> {
  own ??= (async () => ({ pid: process.pid, start: await startTime(process.pid), boot: await bootId() }))();
  return own;
}

export function parseIdentity(text: string): ProcessIdentity | null {
  try {
    const value = JSON.parse(text) as Partial<ProcessIdentity>;
    if (!Number.isSafeInteger(value.pid) || (value.pid as number) <= 0) return null;
    return { pid: value.pid as number, start: typeof value.start === 'string' ? value.start : null, boot: typeof value.boot === 'string' ? value.boot : null };
  } catch {
    return null;
  }
}

/** Is the process this identity names still running? Where /proc answers, the pid must match its start time too. */
export async function isAlive(holder: ProcessIdentity): Promise<boolean> {
  const me = await ownIdentity();
  if (holder.boot !== null && me.boot !== null && holder.boot !== me.boot) return false;
  if (holder.start !== null && me.start !== null) return (await startTime(holder.pid)) === holder.start;
  if (holder.pid === me.pid) return false; // no /proc: our own pid in an old lock is a previous life (pid 1 in a container)
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/PID/stat; null without /proc or for a zombie (dead, not yet reaped). */
async function startTime(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  return fields[19] ?? null;
}

async function bootId(): Promise<string | null> {
  return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim() || null;
}
