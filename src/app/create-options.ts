import { InvalidInputError } from '../domain/index.js';
import { boundedInteger, optionalBoolean, optionsObject } from './validation.js';

const STORES = ['memory', 'pglite', 'postgres'] as const;
// A sweep statement's LIMIT: a million rows in one transaction is already more than one sweep should hold.
export const MAX_SWEEP_BATCH_SIZE = 1_000_000;
// Connections per process; PostgreSQL itself defaults to 100 for every client together.
export const MAX_POOL_SIZE = 1000;

type Loose = Readonly<Record<string, unknown>>;

/**
 * The store-side options of createDelegations, checked before anything is
 * opened (the configuration's own options are checked by resolveConfig): a
 * wrong value is an InvalidInputError naming it, not a TypeError or a database
 * error on the first call.
 */
export function validateCreateOptions(options: unknown): void {
  const given = optionsObject('options', options as Loose | undefined) as Loose;
  if (!(STORES as readonly unknown[]).includes(given.store)) throw new InvalidInputError('store', `must be one of ${STORES.join(', ')}`);
  withMethods('clock', given.clock, ['now']);
  withMethods('logger', given.logger, ['debug', 'info', 'warn', 'error', 'child']);
  withMethods('random', given.random, ['next']);
  if (given.env !== undefined) optionsObject('env', given.env as Loose);
  if (given.decorateStore !== undefined && typeof given.decorateStore !== 'function') {
    throw new InvalidInputError('decorateStore', 'must be a function from store to store');
  }
  if (given.store === 'memory') return;
  optionalBoolean('migrate', given.migrate);
  if (![undefined, true, false, 'auto'].includes(given.preparedStatements as never)) {
    throw new InvalidInputError('preparedStatements', "must be true, false or 'auto'");
  }
  boundedInteger('sweepBatchSize', given.sweepBatchSize, MAX_SWEEP_BATCH_SIZE);
  if (given.store === 'pglite') return void optionalPath('dataDir', given.dataDir);
  optionalPath('connectionString', given.connectionString);
  withMethods('pool', given.pool, ['query', 'connect', 'end']);
  boundedInteger('poolSize', given.poolSize, MAX_POOL_SIZE);
  if (given.pool === undefined && given.connectionString === undefined) {
    throw new InvalidInputError('connectionString', 'a PostgreSQL store needs a connectionString or a pool');
  }
}

/** An object with these methods, or absent; otherwise InvalidInputError naming `field`. */
export function withMethods(field: string, value: unknown, methods: readonly string[]): void {
  if (value === undefined) return;
  const target = value as Loose | null;
  if (typeof value !== 'object' || target === null || methods.some((name) => typeof target[name] !== 'function')) {
    throw new InvalidInputError(field, `must be an object with ${methods.map((name) => `${name}()`).join(', ')}`);
  }
}

function optionalPath(field: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidInputError(field, 'must be a non-empty string');
  if (value.includes('\u0000')) throw new InvalidInputError(field, 'must not contain NUL characters');
}
