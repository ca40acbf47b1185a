import { pino } from 'pino';
import { Container } from 'inversify';
import { openDelegations } from '../../src/delegations.js';
import { drizzleModule, loadDelegations, type WiredDelegations } from '../../src/inversify.js';
import { openPglite } from '../../src/drizzle.js';
import { createPinoLogger, silentLogger, type Logger } from '../../src/index.js';
import { THRESHOLD_MS } from './competitors.js';
import { BENCH_URL } from './postgres.js';

/**
 * What a host gets by default is pino at info on stderr; the bench keeps that
 * cost (every transition and sweep event is serialised) but writes to /dev/null.
 * BENCH_LOG=silent measures without it.
 */
export function benchLogger(): Logger {
  if (process.env.BENCH_LOG === 'silent') return silentLogger;
  const destination = pino.destination({ dest: '/dev/null', sync: true }) as unknown as NodeJS.WritableStream;
  return createPinoLogger({ level: 'info', destination });
}

/** The library as createDelegations wires it, on the bench database, with the database's clock (and the store in reach). */
export function postgresLibrary(poolSize: number): Promise<WiredDelegations> {
  return openDelegations({
    store: 'postgres',
    connectionString: BENCH_URL,
    poolSize,
    migrate: false,
    logger: benchLogger(),
    env: {},
    stuckThresholdMs: THRESHOLD_MS,
    bootGraceMs: 0,
  });
}

/** The same wiring on an in-memory PGlite; the connection is returned for the bench's own SQL. */
export async function pgliteLibrary(): Promise<{ lib: WiredDelegations; connection: Awaited<ReturnType<typeof openPglite>> }> {
  const connection = await openPglite({});
  const config = { stuckThresholdMs: THRESHOLD_MS, bootGraceMs: 0 };
  return { lib: loadDelegations(new Container(), { adapter: drizzleModule(connection), config, logger: benchLogger(), env: {} }), connection };
}
