import { performance } from 'node:perf_hooks';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../app/ports.js';
import type { Principal } from './identity.js';

// Scrapes and probes arrive every few seconds; logged at debug so they do not drown the rest.
const QUIET_PATHS = new Set(['/healthz', '/metrics']);
const DELEGATION_PATH = /^\/(?:admin|v1)\/delegations\/([^/]+)/;

/**
 * One line per request; requests about one delegation carry its id. The line
 * is written after the answer is decided, so nothing in it may throw: a
 * logger that failed once turned an applied cancel into a 500.
 */
export function requestLog(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      try {
        const path = c.req.path;
        // Who asked, by the name its token entry gives; never a header: Authorization carries the secret.
        const principal = (c.var as { principal?: Principal }).principal;
        const fields = {
          method: c.req.method,
          path,
          status: c.res.status,
          ms: Math.round(performance.now() - started),
          delegationId: delegationIdOf(path),
          principal: principal === undefined ? undefined : `${principal.role}:${principal.name}`,
        };
        if (QUIET_PATHS.has(path)) logger.debug(fields, 'admin request');
        else logger.info(fields, 'admin request');
      } catch {
        // A log line is not worth the answer: the request stands as answered.
      }
    }
  };
}

function delegationIdOf(path: string): string | undefined {
  const id = DELEGATION_PATH.exec(path)?.[1];
  if (id === undefined) return undefined;
  try {
    return decodeURIComponent(id);
  } catch {
    return id; // the path guard has refused it already; log it as sent
  }
}
