import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { ConfigurationError } from '../../domain/index.js';
import { problem } from './problem.js';

/**
 * Who a request acts for. An agent token is bound to one callee id, a caller
 * token to one caller id; admin may do everything. Without any token configured
 * the server listens on loopback only and every request is admin.
 */
export type Principal =
  | { readonly role: 'admin'; readonly name: string }
  | { readonly role: 'caller'; readonly name: string; readonly callerId: string }
  | { readonly role: 'agent'; readonly name: string; readonly calleeId: string };

export type Role = Principal['role'];
export const ROLES = ['admin', 'caller', 'agent'] as const satisfies readonly Role[];

export type IdentityEnv = { Variables: { principal: Principal } };

/** The parties of a delegation, as authorization needs them. */
export type Parties = { readonly callerId: string; readonly calleeId: string };

export const TOKENS_VARIABLE = 'DELEGATIONS_TOKENS';
export const TOKENS_FILE_VARIABLE = 'DELEGATIONS_TOKENS_FILE';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const name = z.string().min(1).max(200);
const sha256 = z.string().regex(SHA256_HEX, 'a lowercase hex SHA-256 digest of the token (64 characters)');
const entrySchema = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('admin'), name, sha256 }),
  z.strictObject({ role: z.literal('caller'), name, sha256, callerId: name }),
  z.strictObject({ role: z.literal('agent'), name, sha256, calleeId: name }),
]);
const tableSchema = z.array(entrySchema);

/** One configured token: its principal and the SHA-256 of the secret (the secret itself is never stored). */
export type TokenEntry = z.infer<typeof entrySchema>;

/** The configured tokens, digests decoded once. */
export type TokenTable = { readonly entries: readonly { readonly principal: Principal; readonly digest: Buffer }[] };

// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BEARER = /^bearer ([^ ]+)$/i;
const REALM = 'Bearer realm="delegations"';

/** SHA-256 of a token, hex: what the configuration stores. */
export function hashToken(token: string): string {
  return digest(token).toString('hex');
}

/** A fresh random token (256 bits, base64url: an RFC 6750 b64token). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Reads the table from its JSON text; every problem names the entry and field, and the table is refused whole. */
export function parseTokenTable(json: string, source: string = TOKENS_VARIABLE): TokenTable {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new ConfigurationError(`${source} is not JSON: ${(error as Error).message}`);
  }
  const parsed = tableSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
    throw new ConfigurationError(`${source}${where}: ${issue?.message ?? 'invalid'}`);
  }
  return tokenTable(parsed.data);
}

export function tokenTable(entries: readonly TokenEntry[]): TokenTable {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.sha256)) throw new ConfigurationError(`the token of "${entry.name}" is configured twice; each token names one principal`);
    seen.add(entry.sha256);
  }
  return { entries: entries.map((entry) => ({ principal: principalOf(entry), digest: Buffer.from(entry.sha256, 'hex') })) };
}

/** The table with the admin token given in plain (DELEGATIONS_ADMIN_TOKEN) added, as the admin API has always accepted. */
export function withAdminToken(table: TokenTable | null, adminToken: string | null): TokenTable | null {
  if (adminToken === null) return table;
  const entry = { principal: { role: 'admin', name: 'admin' } as const, digest: digest(adminToken) };
  return { entries: [...(table?.entries ?? []), entry] };
}

/**
 * Sets `principal` from the bearer token. 401 (with WWW-Authenticate) for a missing,
 * malformed or unknown credential. With no table every request is admin: the
 * daemon then listens on loopback only.
 */
export function authenticate(table: TokenTable | null): MiddlewareHandler<IdentityEnv> {
  return async (c, next) => {
    // Already identified (the dashboard's session cookie, checked before this).
    if (c.get('principal') !== undefined) return next();
    if (table === null) {
      c.set('principal', LOOPBACK_ADMIN);
      return next();
    }
    const found = identify(c.req.header('authorization'), table);
    if (found instanceof Response) return found;
    c.set('principal', found);
    return next();
  };
}

/** 403 unless the principal has one of the roles. */
export function requireRole(...roles: Role[]): MiddlewareHandler<IdentityEnv> {
  return async (c, next) => {
    const principal = c.var.principal;
    if (!roles.includes(principal.role)) return forbidden(`${principal.role} tokens may not do this; it needs a ${roles.join(' or ')} token`);
    return next();
  };
}

/** Read, wait on, follow: the admin, the delegation's caller, or the agent it is addressed to. */
export function mayRead(principal: Principal, parties: Parties): boolean {
  switch (principal.role) {
    case 'admin':
      return true;
    case 'caller':
      return principal.callerId === parties.callerId;
    case 'agent':
      return principal.calleeId === parties.calleeId;
  }
}

/** Cancel, resume: the admin or the delegation's own caller. */
export function mayDirect(principal: Principal, parties: Parties): boolean {
  return principal.role === 'admin' || (principal.role === 'caller' && principal.callerId === parties.callerId);
}

/** Heartbeat, complete, fail, ask, reject: the admin or the agent the delegation is addressed to. */
export function mayWork(principal: Principal, parties: Parties): boolean {
  return principal.role === 'admin' || (principal.role === 'agent' && principal.calleeId === parties.calleeId);
}

/** The 403 for a valid token that may not act on this delegation. It names no party: that would tell a stranger who is involved. */
export function notYours(delegationId: string): Response {
  return forbidden(`this token may not act on delegation ${delegationId}`);
}

export function forbidden(message: string): Response {
  return problem(403, { error: 'forbidden', field: 'authorization', message });
}

const LOOPBACK_ADMIN: Principal = { role: 'admin', name: 'loopback' };

function identify(header: string | undefined, table: TokenTable): Principal | Response {
  if (header === undefined) return unauthorized('send Authorization: Bearer <token>', REALM);
  const presented = BEARER.exec(header)?.[1];
  if (presented === undefined || !B64TOKEN.test(presented)) {
    // What was sent is not echoed: it may be a secret sent to the wrong place.
    const what = /^bearer(?: |$)/i.test(header) ? 'a Bearer credential that is not one token' : 'another scheme';
    return unauthorized(`Authorization must be exactly "Bearer <token>" in one header; got ${what}`, `${REALM}, error="invalid_request"`);
  }
  return identifyToken(presented, table) ?? unauthorized('the bearer token is not one configured', `${REALM}, error="invalid_token"`);
}

/** The principal a token names, or null. Every entry is compared, so the time taken does not tell which one (or whether any) matched. */
export function identifyToken(token: string, table: TokenTable): Principal | null {
  const presentedDigest = digest(token);
  let match: Principal | null = null;
  for (const entry of table.entries) if (timingSafeEqual(presentedDigest, entry.digest) && match === null) match = entry.principal;
  return match;
}

function principalOf(entry: TokenEntry): Principal {
  switch (entry.role) {
    case 'admin':
      return { role: 'admin', name: entry.name };
    case 'caller':
      return { role: 'caller', name: entry.name, callerId: entry.callerId };
    case 'agent':
      return { role: 'agent', name: entry.name, calleeId: entry.calleeId };
  }
}

function unauthorized(message: string, challenge: string): Response {
  return problem(401, { error: 'unauthorized', message }, { headers: { 'www-authenticate': challenge } });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
