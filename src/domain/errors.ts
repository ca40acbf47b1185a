/** Base of every error the library throws on purpose. */
export class DelegationError extends Error {
  override readonly name: string = 'DelegationError';
}

/** Input refused at the boundary; nothing was written. `field` names what was wrong. */
export class InvalidInputError extends DelegationError {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`invalid ${field}: ${problem}`);
  }
}

/** A write lost an optimistic-concurrency race: the stream moved past `expectedVersion`. */
export class ConcurrencyError extends DelegationError {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly delegationId: string,
    readonly expectedVersion: number,
  ) {
    super(`delegation ${delegationId} is no longer at version ${expectedVersion}`);
  }
}

/** A create named an id that already belongs to a different delegation. */
export class DelegationExistsError extends DelegationError {
  override readonly name = 'DelegationExistsError';
  constructor(readonly delegationId: string) {
    super(`delegation ${delegationId} already exists`);
  }
}

/** Configuration that cannot be used; raised where the program cannot go on. */
export class ConfigurationError extends DelegationError {
  override readonly name = 'ConfigurationError';
}

export type DatabaseErrorKind = 'unavailable' | 'timeout' | 'conflict' | 'rejected';

/**
 * The database failed a call. The message names the kind and the code, never the
 * statement or its values (they may hold a caller's data), and nothing that holds
 * them is kept as a cause. `rejected`: the server refused the statement itself.
 */
export class DatabaseError extends DelegationError {
  override readonly name: string = 'DatabaseError';
  constructor(
    readonly kind: DatabaseErrorKind,
    /** The SQLSTATE the server answered with, when it answered. */
    readonly sqlState: string | undefined,
    message: string,
    /** The SQLSTATE, or the system's error code (ECONNREFUSED) when the server was never reached. */
    readonly code: string | undefined = sqlState,
  ) {
    super(message);
  }
}

/** The server cannot be reached or dropped the connection (refused, reset, shutting down, too many clients). */
export class DatabaseUnavailableError extends DatabaseError {
  override readonly name = 'DatabaseUnavailableError';
  constructor(sqlState: string | undefined, message: string, code: string | undefined = sqlState) {
    super('unavailable', sqlState, message, code);
  }
}

/** A call ran past its time limit (statement, lock wait, or no answer at all); a write's outcome is unknown. */
export class DatabaseTimeoutError extends DatabaseError {
  override readonly name = 'DatabaseTimeoutError';
  constructor(sqlState: string | undefined, message: string, code: string | undefined = sqlState) {
    super('timeout', sqlState, message, code);
  }
}

/** The transaction lost to a concurrent one (serialization failure, deadlock); nothing was written, a retry may pass. */
export class DatabaseConflictError extends DatabaseError {
  override readonly name = 'DatabaseConflictError';
  constructor(sqlState: string | undefined, message: string) {
    super('conflict', sqlState, message);
  }
}

/** waitFor gave up: the delegation did not reach the awaited status in time. */
export class WaitTimeoutError extends DelegationError {
  override readonly name = 'WaitTimeoutError';
  constructor(
    readonly delegationId: string,
    readonly timeoutMs: number,
  ) {
    super(`delegation ${delegationId} did not finish within ${timeoutMs} ms`);
  }
}

/** No delegation has this id: what waitFor rejects with rather than wait for one that will never change. */
export class DelegationNotFoundError extends DelegationError {
  override readonly name = 'DelegationNotFoundError';
  constructor(readonly delegationId: string) {
    super(`delegation ${delegationId} does not exist`);
  }
}

/**
 * Thrown by an agent's work to say another attempt may succeed: the runner reports the
 * failure with `retryable: true` (requeued under the delegation's retry policy). Any error
 * with `retryable === true` counts the same.
 */
export class RetryableError extends DelegationError {
  override readonly name = 'RetryableError';
  readonly retryable = true;
}
