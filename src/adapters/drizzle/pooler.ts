import type pg from 'pg';
import { guarded } from './database-errors.js';

/** Named prepared statements: on, off, or off when a pooler is detected (the default). */
export type PreparedStatementsOption = boolean | 'auto';

/** The store's switch: fixed, or decided by the first answer of a probe (see PoolerProbe). */
export type PreparedSwitch = boolean | (() => boolean | Promise<boolean>);

/**
 * Whether a session reaches PostgreSQL through a pooler that answers the protocol itself
 * (PgBouncer, and any pooler that multiplexes clients onto server connections).
 *
 * PostgreSQL's BackendKeyData carries the backend's process id, which pg_backend_pid() then
 * returns. A pooler cannot hand a client a server's key (the client could cancel another
 * client's query on a shared connection), so it sends a key of its own: PgBouncer draws it at
 * random, equal to the backend's pid once in 2^32. A plain TCP proxy forwards the server's key
 * and counts as direct, rightly: it keeps one session per client. Undefined when the client does
 * not expose the key (a host's pool of another kind): nothing is assumed then.
 */
export function throughPooler(client: object, backendPid: unknown): boolean | undefined {
  const announced = (client as { processID?: unknown }).processID;
  if (typeof announced !== 'number' || announced === 0) return undefined;
  return announced !== Number(backendPid);
}

/** The session's own answer (see throughPooler): one round trip. */
export async function sessionThroughPooler(client: pg.ClientBase): Promise<boolean | undefined> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return throughPooler(client, rows[0]?.pid);
}

/**
 * Asks one of the pool's connections once, when first needed; a failed probe (the server
 * down) is asked again by the next caller rather than remembered as an answer.
 */
export class PoolerProbe {
  private known: { readonly pooled: boolean | undefined } | null = null;
  private asking: Promise<boolean | undefined> | null = null;

  constructor(private readonly pool: pg.Pool) {}

  /** The answer once known, else undefined (not asked yet, or cannot tell). */
  get answer(): boolean | undefined {
    return this.known?.pooled;
  }

  get settled(): boolean {
    return this.known !== null;
  }

  pooled(): Promise<boolean | undefined> {
    if (this.known !== null) return Promise.resolve(this.known.pooled);
    this.asking ??= guarded(() => this.ask()).finally(() => {
      this.asking = null;
    });
    return this.asking;
  }

  private async ask(): Promise<boolean | undefined> {
    const client = await this.pool.connect();
    try {
      const pooled = await sessionThroughPooler(client);
      this.known = { pooled };
      return pooled;
    } finally {
      client.release();
    }
  }
}

/** An explicit choice wins; 'auto' (or nothing) turns names off behind a pooler the probe detects. */
export function preparedSwitch(option: PreparedStatementsOption | undefined, probe: PoolerProbe | undefined): PreparedSwitch {
  if (typeof option === 'boolean') return option;
  if (probe === undefined) return true;
  return () => (probe.settled ? probe.answer !== true : probe.pooled().then((pooled) => pooled !== true));
}
