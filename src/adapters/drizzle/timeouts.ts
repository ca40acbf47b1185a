import type pg from 'pg';
import { InvalidInputError } from '../../domain/index.js';

export type TimeoutOptions = {
  /**
   * The server's limit on each statement and each lock wait (statement_timeout,
   * lock_timeout), and, a second later, the client's limit on waiting for any answer,
   * so a frozen or partitioned server fails the call too. Default 30 s.
   */
  readonly statementTimeoutMs?: number | undefined;
  /** The limit on opening a connection and on waiting for a free one in the pool. Default 10 s. */
  readonly connectTimeoutMs?: number | undefined;
};

export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

// The server's own limit should fire first: it cancels the statement and keeps the
// connection. The client's fires only when the server no longer answers at all.
const CLIENT_MARGIN_MS = 1_000;
// PostgreSQL takes these settings as a 32-bit count of milliseconds.
export const MAX_TIMEOUT_MS = 2 ** 31 - 1 - CLIENT_MARGIN_MS;

/** The pool settings for those limits; invalid values are refused, naming the option. */
export function poolTimeouts(options: TimeoutOptions): pg.PoolConfig {
  const statement = checked('statementTimeoutMs', options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS);
  const connect = checked('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  return {
    connectionTimeoutMillis: connect,
    statement_timeout: statement,
    lock_timeout: statement,
    query_timeout: statement + CLIENT_MARGIN_MS,
    // Lets the kernel notice a peer that vanished while a connection sat idle in the pool.
    keepAlive: true,
  };
}

function checked(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    throw new InvalidInputError(field, `must be a positive integer of milliseconds, at most ${MAX_TIMEOUT_MS}`);
  }
  return value;
}
