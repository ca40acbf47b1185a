import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Clock } from '../../../app/ports.js';
import type { IdentityEnv, Principal, TokenTable } from '../identity.js';
import { identifyToken } from '../identity.js';
import { problem } from '../problem.js';

export const SESSION_COOKIE = 'dl_session';
export const CSRF_HEADER = 'x-csrf-token';
/** An operator's working day: long enough not to log out mid-incident, short enough that a forgotten tab expires. */
export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60_000;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a session cookie carries, signed: who, until when, and the CSRF token bound to it. */
export type Session = { readonly name: string; readonly expiresAt: number; readonly csrf: string };

export type SessionsOptions = {
  readonly table: TokenTable | null;
  readonly clock: Clock;
  readonly ttlMs?: number | undefined;
  /** The HMAC key; a fresh random one by default (a restart then logs every browser out). */
  readonly secret?: Buffer | undefined;
};

/**
 * The dashboard's sessions: an admin token presented once at login becomes a signed,
 * HttpOnly, SameSite=Strict cookie with an expiry. The token itself is never stored in
 * the browser. A state-changing request authenticated by the cookie must also carry the
 * session's CSRF token in a header, which a cross-site form or fetch cannot read or send.
 */
export class Sessions {
  readonly ttlMs: number;
  private readonly secret: Buffer;

  constructor(private readonly options: SessionsOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS;
    this.secret = options.secret ?? randomBytes(32);
  }

  /** Whether logging in is needed at all: without tokens the server is loopback-only and open. */
  get required(): boolean {
    return this.options.table !== null;
  }

  /** The principal a token names, when it may open the dashboard (admin only), or why not. */
  admit(token: string): Principal | 'unknown' | 'not_admin' {
    const table = this.options.table;
    if (table === null) return { role: 'admin', name: 'loopback' };
    const principal = identifyToken(token, table);
    if (principal === null) return 'unknown';
    return principal.role === 'admin' ? principal : 'not_admin';
  }

  async open(principal: Principal): Promise<{ cookie: string; session: Session }> {
    const now = (await this.options.clock.now()).getTime();
    const session: Session = { name: principal.name, expiresAt: now + this.ttlMs, csrf: randomBytes(24).toString('base64url') };
    const payload = Buffer.from(JSON.stringify(session), 'utf8').toString('base64url');
    return { cookie: `${payload}.${this.sign(payload)}`, session };
  }

  /** The session a cookie value carries, or null when it is absent, forged, garbled or expired. */
  async read(cookie: string | undefined): Promise<Session | null> {
    if (cookie === undefined) return null;
    const [payload, signature, ...rest] = cookie.split('.');
    if (payload === undefined || signature === undefined || rest.length > 0) return null;
    const expected = Buffer.from(this.sign(payload), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let session: Session;
    try {
      session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Session;
    } catch {
      return null;
    }
    if (typeof session.expiresAt !== 'number' || typeof session.csrf !== 'string' || typeof session.name !== 'string') return null;
    const now = (await this.options.clock.now()).getTime();
    return session.expiresAt > now ? session : null;
  }

  /** The Set-Cookie value that stores `cookie` (or clears it: null) for the whole origin. */
  setCookie(c: Context, cookie: string | null): string {
    const secure = new URL(c.req.url).protocol === 'https:' ? '; Secure' : '';
    const value = cookie ?? '';
    const age = cookie === null ? 0 : Math.floor(this.ttlMs / 1000);
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${age}${secure}`;
  }

  /**
   * Before `authenticate`: a request with no Authorization header and a valid session
   * cookie acts as the session's admin; an unsafe method must then carry the CSRF token.
   * A request with a bearer token is left to `authenticate` (the cookie is ignored).
   */
  middleware(): MiddlewareHandler<IdentityEnv> {
    return async (c, next) => {
      if (this.options.table === null || c.req.header('authorization') !== undefined) return next();
      const session = await this.read(getCookie(c, SESSION_COOKIE));
      if (session === null) return next();
      if (!SAFE_METHODS.has(c.req.method) && !csrfMatches(c.req.header(CSRF_HEADER), session.csrf)) {
        return problem(403, {
          error: 'forbidden',
          field: CSRF_HEADER,
          message: `a request authenticated by the dashboard's session must send its CSRF token in ${CSRF_HEADER}`,
        });
      }
      c.set('principal', { role: 'admin', name: session.name });
      return next();
    };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload, 'utf8').digest('base64url');
  }
}

function csrfMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const [a, b] = [Buffer.from(given, 'utf8'), Buffer.from(expected, 'utf8')];
  return a.length === b.length && timingSafeEqual(a, b);
}
