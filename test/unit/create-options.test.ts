import { describe, expect, it } from 'vitest';
import { validateCreateOptions, withMethods } from '../../src/app/create-options.js';
import { InvalidInputError } from '../../src/domain/index.js';

const refusal = (attempt: () => void): InvalidInputError => {
  try {
    attempt();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('accepted');
};

describe('createDelegations options', () => {
  it('a missing method is named with every method the object needs', () => {
    const error = refusal(() => validateCreateOptions({ store: 'memory', logger: { info: () => undefined } }));
    expect(error.field).toBe('logger');
    expect(error.message).toBe('invalid logger: must be an object with debug(), info(), warn(), error(), child()');
    expect(refusal(() => validateCreateOptions({ store: 'memory', clock: { now: 5 } })).message).toBe('invalid clock: must be an object with now()');
    expect(refusal(() => validateCreateOptions({ store: 'memory', random: [] })).message).toBe('invalid random: must be an object with next()');
  });

  it('an unknown store names the three there are', () => {
    expect(refusal(() => validateCreateOptions({ store: 'sqlite' })).message).toBe('invalid store: must be one of memory, pglite, postgres');
  });

  it('takes what has the methods, whatever else it has, and anything absent', () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {}, child() {}, level: 'info' };
    expect(() => validateCreateOptions({ store: 'memory', logger, clock: { now: () => new Date() }, random: { next: Math.random }, env: {} })).not.toThrow();
    expect(() => withMethods('clock', undefined, ['now'])).not.toThrow();
    expect(() =>
      withMethods(
        'clock',
        Object.assign(() => undefined, { now: () => 1 }),
        ['now'],
      ),
    ).toThrow(InvalidInputError);
  });

  it('a memory store ignores the database options, a PGlite one the server options', () => {
    expect(() => validateCreateOptions({ store: 'memory', sweepBatchSize: 'lots', connectionString: 5 })).not.toThrow();
    expect(() => validateCreateOptions({ store: 'pglite', poolSize: 'big', connectionString: 5 })).not.toThrow();
    expect(refusal(() => validateCreateOptions({ store: 'pglite', sweepBatchSize: 1_000_001 })).message).toBe(
      'invalid sweepBatchSize: must be at most 1000000',
    );
    expect(() => validateCreateOptions({ store: 'pglite', sweepBatchSize: 1_000_000, migrate: false, preparedStatements: 'auto' })).not.toThrow();
    expect(() => validateCreateOptions({ store: 'postgres', pool: { query() {}, connect() {}, end() {} }, poolSize: 1000 })).not.toThrow();
    expect(refusal(() => validateCreateOptions({ store: 'postgres', connectionString: 'postgres://x/y', poolSize: 1001 })).field).toBe('poolSize');
    expect(refusal(() => validateCreateOptions({ store: 'pglite', dataDir: '   ' })).message).toBe('invalid dataDir: must be a non-empty string');
    expect(refusal(() => validateCreateOptions({ store: 'pglite', dataDir: 'a\u0000b' })).message).toBe('invalid dataDir: must not contain NUL characters');
  });
});
