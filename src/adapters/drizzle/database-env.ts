import { ConfigurationError, InvalidInputError } from '../../domain/index.js';
import { MAX_TIMEOUT_MS } from './timeouts.js';
import { checkSchemaName } from './schema/tables.js';

export const ENV_SCHEMA = 'DELEGATIONS_SCHEMA';
export const ENV_STATEMENT_TIMEOUT = 'DELEGATIONS_STATEMENT_TIMEOUT_MS';
export const ENV_CONNECT_TIMEOUT = 'DELEGATIONS_CONNECT_TIMEOUT_MS';
export const ENV_PREPARED_STATEMENTS = 'DELEGATIONS_PREPARED_STATEMENTS';

export type DatabaseEnvOptions = {
  readonly schema?: string | undefined;
  readonly statementTimeoutMs?: number | undefined;
  readonly connectTimeoutMs?: number | undefined;
  readonly preparedStatements?: boolean | 'auto' | undefined;
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The database settings of the CLI and the daemon. Unlike the sweeper's, an invalid
 * value stops start-up: falling back would write to another schema than the one meant,
 * or run without the limits an operator asked for.
 */
export function databaseOptionsFromEnv(env: Env): DatabaseEnvOptions {
  return {
    schema: named(env, ENV_SCHEMA, (raw) => checkSchemaName(raw)),
    statementTimeoutMs: named(env, ENV_STATEMENT_TIMEOUT, milliseconds),
    connectTimeoutMs: named(env, ENV_CONNECT_TIMEOUT, milliseconds),
    preparedStatements: named(env, ENV_PREPARED_STATEMENTS, onOffAuto),
  };
}

function named<T>(env: Env, name: string, parse: (raw: string) => T): T | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  try {
    return parse(raw);
  } catch (error) {
    const problem = error instanceof InvalidInputError ? error.problem : (error as Error).message;
    throw new ConfigurationError(`invalid ${name}=${JSON.stringify(raw)}: ${problem}`);
  }
}

function milliseconds(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) <= 0 || Number(raw) > MAX_TIMEOUT_MS) {
    throw new Error(`must be a positive integer of milliseconds, at most ${MAX_TIMEOUT_MS}`);
  }
  return Number(raw);
}

function onOffAuto(raw: string): boolean | 'auto' {
  const value = raw.toLowerCase();
  if (value === 'on' || value === 'true' || value === '1') return true;
  if (value === 'off' || value === 'false' || value === '0') return false;
  if (value === 'auto') return 'auto';
  throw new Error('must be on, off or auto');
}
