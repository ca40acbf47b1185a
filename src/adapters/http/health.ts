import type { Context } from 'hono';
import type { Sweeper } from '../../app/ledger-api.js';
import type { Clock } from '../../app/ports.js';

const PROBE_TIMEOUT_MS = 2000;

export type AdminServicesLike = { readonly sweeper: Sweeper; readonly clock: Clock };

/** 200 when the database answers; 503 while it is still opening or when it does not answer in time. */
export async function health(c: Context, services: AdminServicesLike | null): Promise<Response> {
  if (services === null) return c.json({ status: 'starting', database: 'opening', lastSweep: null, failedSweeps: 0 }, 503);
  const { sweeper } = services;
  const reachable = await probe(services.clock);
  const body = {
    status: reachable ? 'ok' : 'unavailable',
    database: reachable ? 'reachable' : 'unreachable',
    lastSweep: sweeper.lastSweep === null ? null : { at: sweeper.lastSweep.at.toISOString(), ...sweeper.lastSweep.result },
    failedSweeps: sweeper.failedSweeps,
  };
  return c.json(body, reachable ? 200 : 503);
}

/** With a database clock, asking the time is a round trip to the database: the cheapest reachability probe. */
async function probe(clock: Clock): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve(clock.now()).then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
