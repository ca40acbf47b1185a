import { DelegationError } from '../../domain/index.js';

/**
 * The service answered with an error the client has no better type for (a 5xx, a 405, a 413).
 * The message names the request line, the status and the server's own message; never a header.
 */
export class ServiceError extends DelegationError {
  override readonly name: string = 'ServiceError';
  constructor(
    readonly method: string,
    readonly path: string,
    /** The HTTP status; 0 when no answer came (the connection failed). */
    readonly status: number,
    /** The problem's `error` code (`internal`, `method_not_allowed`...), or `unreachable`. */
    readonly code: string,
    message: string,
  ) {
    super(`${method} ${path}: ${status === 0 ? 'no answer' : status} ${code}: ${message}`);
  }
}

/** 401 (no, a malformed or an unknown token) or 403 (a valid token without the right: another caller's delegation, the wrong role). */
export class AccessDeniedError extends ServiceError {
  override readonly name = 'AccessDeniedError';
  constructor(method: string, path: string, status: 401 | 403, code: string, message: string) {
    super(method, path, status, code, message);
  }
}

/**
 * The service cannot take the request now: 503 (starting, its database down or slow), or the
 * connection failed. Retried by the client up to its bound; thrown once the retries are spent.
 */
export class ServiceUnavailableError extends ServiceError {
  override readonly name = 'ServiceUnavailableError';
  readonly retryable = true;
  constructor(
    method: string,
    path: string,
    status: number,
    code: string,
    message: string,
    /** What the last answer's Retry-After asked for, in ms; null when it gave none. */
    readonly retryAfterMs: number | null,
  ) {
    super(method, path, status, code, message);
  }
}

/** The call's own time limit (`timeoutMs`) ran out; whether a write it carried was applied is unknown. */
export class RequestTimeoutError extends DelegationError {
  override readonly name = 'RequestTimeoutError';
  readonly retryable = true;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(`${method} ${path}: no answer within ${timeoutMs} ms`);
  }
}
