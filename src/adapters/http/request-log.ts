import { performance } from 'node:perf_hooks';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../app/ports.js';

// Scrapes and probes arrive every few seconds; logged at debug so they do not drown the rest.
const QUIET_PATHS = new Set(['/healthz', '/metrics']);
const DELEGATION_PATH = /^\/admin\/delegations\/([^/]+)/;

/** One line per request; requests about one delegation carry its id. */
export function requestLog(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const id = DELEGATION_PATH.exec(c.req.path)?.[1];
    const delegationId = id === undefined || id === 'stats' ? undefined : decodeURIComponent(id);
    const fields = { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started), delegationId };
    if (QUIET_PATHS.has(c.req.path)) logger.debug(fields, 'admin request');
    else logger.info(fields, 'admin request');
  };
}
