import { describe, expect, it } from 'vitest';
import { databaseOptionsFromEnv } from '../../src/adapters/drizzle/database-env.js';
import { ConfigurationError } from '../../src/domain/index.js';

describe('database settings from the environment', () => {
  it('reads the schema, the time limits and the prepared-statement switch', () => {
    expect(
      databaseOptionsFromEnv({
        DELEGATIONS_SCHEMA: 'tenant_a',
        DELEGATIONS_STATEMENT_TIMEOUT_MS: '5000',
        DELEGATIONS_CONNECT_TIMEOUT_MS: ' 2000 ',
        DELEGATIONS_PREPARED_STATEMENTS: 'off',
      }),
    ).toEqual({ schema: 'tenant_a', statementTimeoutMs: 5000, connectTimeoutMs: 2000, preparedStatements: false });
    expect(databaseOptionsFromEnv({})).toEqual({
      schema: undefined,
      statementTimeoutMs: undefined,
      connectTimeoutMs: undefined,
      preparedStatements: undefined,
    });
    expect(databaseOptionsFromEnv({ DELEGATIONS_PREPARED_STATEMENTS: 'ON' }).preparedStatements).toBe(true);
    expect(databaseOptionsFromEnv({ DELEGATIONS_PREPARED_STATEMENTS: 'Auto' }).preparedStatements).toBe('auto');
  });

  it.each([
    ['DELEGATIONS_SCHEMA', 'Tenant-A'],
    ['DELEGATIONS_STATEMENT_TIMEOUT_MS', '0'],
    ['DELEGATIONS_STATEMENT_TIMEOUT_MS', '5s'],
    ['DELEGATIONS_CONNECT_TIMEOUT_MS', '-1'],
    ['DELEGATIONS_STATEMENT_TIMEOUT_MS', '9999999999'],
    ['DELEGATIONS_PREPARED_STATEMENTS', 'maybe'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => databaseOptionsFromEnv({ [name]: value })).toThrow(ConfigurationError);
    expect(() => databaseOptionsFromEnv({ [name]: value })).toThrow(name);
  });
});
