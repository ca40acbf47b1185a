import { pino } from 'pino';
import { createDelegations, createPinoLogger, silentLogger, type Delegations, type Logger } from '../../src/index.js';
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

/** The library as a host wires it: createDelegations on the bench database, with the database's clock. */
export function postgresLibrary(poolSize: number): Promise<Delegations> {
  return createDelegations({
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
