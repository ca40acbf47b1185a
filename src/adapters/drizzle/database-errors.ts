import { DrizzleQueryError } from 'drizzle-orm';
import { DatabaseConflictError, DatabaseError, DatabaseTimeoutError, DatabaseUnavailableError, DelegationError } from '../../domain/index.js';

// The server could not be reached, or the connection went away under the call.
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'ENOENT',
]);

// Conditions the drivers report by message only (pg, pg-pool, PGlite).
const BY_MESSAGE: readonly (readonly [RegExp, () => DatabaseError])[] = [
  [/^Query read timeout$/, () => new DatabaseTimeoutError(undefined, 'the database did not answer within the time limit', 'QUERY_TIMEOUT')],
  [
    /timeout exceeded when trying to connect|Connection terminated due to connection timeout/,
    () => new DatabaseUnavailableError(undefined, 'the database did not accept a connection within the time limit', 'ETIMEDOUT'),
  ],
  [
    /^Connection terminated|not queryable|Cannot use a pool after calling end|PGlite is closed/,
    () => new DatabaseUnavailableError(undefined, 'the database connection is closed or was lost', 'CONNECTION_CLOSED'),
  ],
];

const SQLSTATE_TEXT: Readonly<Record<string, string>> = {
  '57014': 'the statement ran past its time limit or was cancelled',
  '55P03': 'a lock wait ran past its time limit',
  '25P03': 'an idle transaction ran past its time limit',
  '40001': 'the transaction lost a serialization race',
  '40P01': 'the transaction was chosen as a deadlock victim',
  '57P01': 'the server is shutting down',
  '57P02': 'the server crashed',
  '57P03': 'the server is starting up or recovering',
  '53300': 'the server has too many connections',
  '3D000': 'the database does not exist (create it first)',
  '28P01': 'password authentication failed',
  '28000': 'the server refused the role',
};

/**
 * A driver's failure as one of our typed errors: the SQLSTATE or errno decides the
 * kind, the message says only the kind and the code (a server message can quote a
 * value: `value "..." is out of range`), and the original is dropped, since
 * DrizzleQueryError carries the statement and its parameters and a logger would
 * print them. Anything that is not a database failure comes back unchanged.
 */
export function toDatabaseError(error: unknown): unknown {
  if (error instanceof DelegationError) return error;
  for (const candidate of causes(error)) {
    const translated = translate(candidate);
    if (translated !== null) return translated;
  }
  if (error instanceof DrizzleQueryError) {
    const cause = error.cause;
    return new DatabaseError('rejected', undefined, `database call failed (${cause instanceof Error ? cause.name : typeof cause})`);
  }
  return error;
}

/** Runs a database call and translates its failure. */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDatabaseError(error);
  }
}

// PgBouncer's refusal names only the parameter (never a value): safe to repeat, and the fix.
const POOLER_REFUSAL = /^unsupported startup parameter: ([a-z_]+)$/;

function translate(error: unknown): DatabaseError | null {
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  const refused = POOLER_REFUSAL.exec(error instanceof Error ? error.message : '');
  if (code === '08P01' && refused !== null) {
    return new DatabaseUnavailableError(
      code,
      `the connection pooler refuses the startup parameter ${refused[1]} (SQLSTATE 08P01): add statement_timeout, lock_timeout to its ignore_startup_parameters`,
    );
  }
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return bySqlState(code, error as { constraint?: unknown });
  if (typeof code === 'string' && UNAVAILABLE_ERRNO.has(code)) {
    return new DatabaseUnavailableError(undefined, `the database cannot be reached (${code})`, code);
  }
  const message = error instanceof Error ? error.message : '';
  for (const [pattern, make] of BY_MESSAGE) if (pattern.test(message)) return make();
  return null;
}

function bySqlState(sqlState: string, error: { constraint?: unknown }): DatabaseError {
  const what = SQLSTATE_TEXT[sqlState];
  const constraint = typeof error.constraint === 'string' ? `, constraint ${error.constraint}` : '';
  const text = (fallback: string) => `${what ?? fallback} (SQLSTATE ${sqlState}${constraint})`;
  if (sqlState.startsWith('08') || sqlState.startsWith('53') || ['57P01', '57P02', '57P03', '57P04'].includes(sqlState)) {
    return new DatabaseUnavailableError(sqlState, text('the database connection failed'));
  }
  if (['57014', '55P03', '25P03'].includes(sqlState)) return new DatabaseTimeoutError(sqlState, text('the database call timed out'));
  if (sqlState === '40001' || sqlState === '40P01') return new DatabaseConflictError(sqlState, text('the transaction conflicted'));
  return new DatabaseError('rejected', sqlState, text('the database refused the statement'));
}

/** The error and its causes, outermost first (a DrizzleQueryError wraps the driver's error). */
function* causes(error: unknown): Generator<unknown> {
  let current = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth += 1) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}
