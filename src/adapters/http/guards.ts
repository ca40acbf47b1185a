import type { MiddlewareHandler } from 'hono';
import { allows, ALLOWED_HOSTS_VARIABLE, describeServed, parseAuthority, type ServedHosts } from './hosts.js';
import { badRequest, problem } from './problem.js';

// A browser sends these cross-site without asking (no preflight); everything else is refused when it comes from another site.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const FETCH_SITES_ALLOWED = new Set(['same-origin', 'none']);
const BAD_PERCENT = /%(?![0-9a-f]{2})/i;

/** A `%` not followed by two hex digits, or escapes that are not UTF-8: refused before any route sees the path. */
export function pathEncodingGuard(): MiddlewareHandler {
  return async (c, next) => {
    const path = rawPath(c.req.url);
    const problemText = encodingProblem(path);
    if (problemText !== null) return badRequest('path', `${problemText} in the path ${JSON.stringify(path)}`);
    return next();
  };
}

/** The problem with a percent-encoded string, or null when it decodes cleanly. */
export function encodingProblem(text: string): string | null {
  if (BAD_PERCENT.test(text)) return 'a "%" not followed by two hex digits';
  try {
    decodeURIComponent(text);
    return null;
  } catch {
    return 'percent-escapes that are not UTF-8';
  }
}

/** DNS rebinding: a page on another name that resolves to us sends its own name as Host. Only the names served get through. */
export function hostGuard(served: () => ServedHosts): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('host');
    const target = new URL(c.req.url).host;
    const hosts = served();
    for (const authority of header === undefined ? [target] : [header, target]) {
      if (allows(hosts, authority)) continue;
      const message = `Host ${JSON.stringify(authority)} is not an address this server answers to; allowed: ${describeServed(hosts).join(', ')} (more with ${ALLOWED_HOSTS_VARIABLE})`;
      return problem(421, { error: 'misdirected_request', field: 'host', message });
    }
    return next();
  };
}

/** A state-changing request a browser sent from another site (a form, a no-cors fetch) is refused, token or not. */
export function crossSiteGuard(): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && !FETCH_SITES_ALLOWED.has(site.toLowerCase())) {
      return forbidden('sec-fetch-site', `cross-site request refused: Sec-Fetch-Site is ${JSON.stringify(site)}; only same-origin requests may change state`);
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !sameOrigin(origin, new URL(c.req.url).host)) {
      return forbidden('origin', `cross-site request refused: Origin ${JSON.stringify(origin)} is not this server's origin`);
    }
    return next();
  };
}

function forbidden(field: string, message: string): Response {
  return problem(403, { error: 'forbidden', field, message });
}

function sameOrigin(origin: string, host: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` (a sandboxed frame, a file:// page) or garbage
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin.toLowerCase()) return false;
  const [theirs, ours] = [parseAuthority(url.host), parseAuthority(host)];
  return theirs !== null && ours !== null && theirs.hostname === ours.hostname && theirs.port === ours.port;
}

/** The path as sent, still percent-encoded (URL never decodes it). */
function rawPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = url.slice(start).search(/[?#]/);
  return end === -1 ? url.slice(start) : url.slice(start, start + end);
}
