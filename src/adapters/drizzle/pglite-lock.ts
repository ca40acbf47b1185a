import { randomBytes } from 'node:crypto';
import { link, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DelegationError } from '../../domain/index.js';
import { ensureDirectory } from './data-dir.js';
import { isAlive, ownIdentity, parseIdentity, type ProcessIdentity } from './process-identity.js';

/** Another live process has this PGlite data directory open. */
export class DataDirectoryInUseError extends DelegationError {
  override readonly name = 'DataDirectoryInUseError';
}

const TICKET = /^delegations\.lock\.(\d+)$/;
const TEMP_PREFIX = 'delegations.lock.tmp-';
// The lock of earlier versions (a bare pid, which cannot tell a reused pid from its holder): ignored, then removed.
const LEGACY = 'delegations.lock';
const MAX_ROUNDS = 50;

type Ticket = { readonly gen: number; readonly holder: ProcessIdentity | null; readonly live: boolean };

/**
 * PGlite is one process's database: a second process opening the same data
 * directory corrupts it. So openPglite takes this lock first, for every user of
 * the library. The lock is a chain of tickets `delegations.lock.N`; the highest
 * is the lock. Taking it is an exclusive create (a hard link of a file already
 * holding our identity, so no reader ever sees it empty) of the next number,
 * only when the highest ticket's holder is dead: of processes that saw the same
 * dead holder, exactly one creates the next ticket. After creating it a process
 * checks that no other ticket is live and none is higher (a slow rival may have
 * created a number freed by a clean-up), and otherwise withdraws: of two live
 * tickets, the later creator always sees the earlier one. A ticket is stale when
 * its pid is gone or names a different process (pid plus start time, see
 * ProcessIdentity), so a reused pid blocks nothing.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  await ensureDirectory(dataDir);
  const me = await ownIdentity();
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const tickets = await readTickets(dataDir);
    const top = tickets.at(-1);
    if (top?.live) throw inUse(dataDir, top.holder);
    const gen = (top?.gen ?? 0) + 1;
    if (await claim(dataDir, gen, me)) {
      const rivals = (await readTickets(dataDir)).filter((t) => t.gen !== gen && (t.live || t.gen > gen));
      if (rivals.length === 0) {
        await removeStale(dataDir, gen);
        return () => unlink(ticketPath(dataDir, gen)).catch(() => undefined);
      }
      await unlink(ticketPath(dataDir, gen)).catch(() => undefined);
    }
    // Lost the create, or withdrew: a short random pause so that rivals who withdrew together do not meet again.
    await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 10 * Math.min(round + 1, 5)));
  }
  throw new DataDirectoryInUseError(`could not lock data directory ${dataDir}: other processes keep taking it`);
}

function ticketPath(dataDir: string, gen: number): string {
  return join(dataDir, `delegations.lock.${gen}`);
}

async function readTickets(dataDir: string): Promise<Ticket[]> {
  const gens = (await readdir(dataDir)).flatMap((name) => {
    const match = TICKET.exec(name);
    return match ? [Number(match[1])] : [];
  });
  const tickets = await Promise.all(
    gens.map(async (gen): Promise<Ticket | null> => {
      const text = await readFile(ticketPath(dataDir, gen), 'utf8').catch(() => null);
      if (text === null) return null; // removed since the listing
      const holder = parseIdentity(text);
      return { gen, holder, live: holder !== null && (await isAlive(holder)) };
    }),
  );
  return tickets.filter((t): t is Ticket => t !== null).sort((a, b) => a.gen - b.gen);
}

/** Creates ticket `gen` with our identity already in it; false when it exists (or a clean-up took our draft). */
async function claim(dataDir: string, gen: number, me: ProcessIdentity): Promise<boolean> {
  const draft = join(dataDir, `${TEMP_PREFIX}${me.pid}-${randomBytes(6).toString('hex')}`);
  await writeFile(draft, JSON.stringify(me), { flag: 'wx' });
  try {
    await link(draft, ticketPath(dataDir, gen));
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOENT') return false;
    throw error;
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

/** Only the holder cleans up: stale tickets below its own, drafts a killed process left, the legacy lock. */
async function removeStale(dataDir: string, gen: number): Promise<void> {
  const names = await readdir(dataDir);
  const stale = (await readTickets(dataDir)).filter((t) => t.gen < gen && !t.live).map((t) => ticketPath(dataDir, t.gen));
  const leftovers = names.filter((name) => name.startsWith(TEMP_PREFIX) || name === LEGACY).map((name) => join(dataDir, name));
  await Promise.all([...stale, ...leftovers].map((path) => unlink(path).catch(() => undefined)));
}

function inUse(dataDir: string, holder: ProcessIdentity | null): DataDirectoryInUseError {
  const who = holder === null ? 'another process' : `process ${holder.pid}${holder.pid === process.pid ? ' (this process)' : ''}`;
  return new DataDirectoryInUseError(`data directory ${dataDir} is in use by ${who} (a running daemon?); stop it or use its admin API`);
}
