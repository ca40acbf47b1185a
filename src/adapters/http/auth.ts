import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ConfigurationError } from '../../domain/index.js';
import { problem } from './problem.js';

export const TOKEN_VARIABLE = 'DELEGATIONS_ADMIN_TOKEN';

// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
// The scheme is case-insensitive (RFC 9110 11.1); exactly one space, then the token, nothing else.
const BEARER = /^bearer ([^ ]+)$/i;
const REALM = 'Bearer realm="delegations"';

/** A token no request could ever present is refused at start-up rather than locking everyone out later. */
export function requireValidToken(token: string): string {
  if (!B64TOKEN.test(token)) {
    throw new ConfigurationError(`${TOKEN_VARIABLE} must be an RFC 6750 token: letters, digits and -._~+/ with optional trailing =; it has other characters`);
  }
  return token;
}

/** Bearer auth; every refusal is a 401 with WWW-Authenticate, and the token is compared in constant time. */
export function bearerAuth(token: string): MiddlewareHandler {
  const expected = digest(requireValidToken(token));
  return async (c, next) => {
    const refusal = refuse(c.req.header('authorization'), expected);
    return refusal ?? next();
  };
}

function refuse(header: string | undefined, expected: Buffer): Response | null {
  if (header === undefined) return unauthorized(`send Authorization: Bearer <${TOKEN_VARIABLE}>`, REALM);
  const presented = BEARER.exec(header)?.[1];
  if (presented === undefined || !B64TOKEN.test(presented)) {
    // What was sent is not echoed: it may be a secret sent to the wrong place.
    const what = /^bearer(?: |$)/i.test(header) ? 'a Bearer credential that is not one token' : 'another scheme';
    return unauthorized(`Authorization must be exactly "Bearer <token>" in one header; got ${what}`, `${REALM}, error="invalid_request"`);
  }
  // Digests first: timingSafeEqual needs equal lengths, and comparing digests does not reveal the token's length.
  if (!timingSafeEqual(digest(presented), expected)) return unauthorized('the bearer token is not the one configured', `${REALM}, error="invalid_token"`);
  return null;
}

function unauthorized(message: string, challenge: string): Response {
  return problem(401, { error: 'unauthorized', message }, { headers: { 'www-authenticate': challenge } });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
