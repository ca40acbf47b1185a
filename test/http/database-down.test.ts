import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Ledger, Sweeper } from '../../src/app/ledger-api.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { createAdminApp } from '../../src/adapters/http/admin-app.js';
import { servedHosts } from '../../src/adapters/http/hosts.js';
import { DatabaseConflictError, DatabaseTimeoutError, DatabaseUnavailableError } from '../../src/domain/index.js';

/** The admin app over a ledger whose every call fails with `error`. */
function appFailingWith(error: Error) {
  const ledger = new Proxy({} as Ledger, { get: () => () => Promise.reject(error) });
  const services = { ledger, sweeper: {} as Sweeper, clock: { now: async () => new Date(0) } };
  return createAdminApp({
    services: () => services,
    registry: new Registry(),
    logger: silentLogger,
    token: null,
    served: () => servedHosts('127.0.0.1', 8080, []),
  });
}

const get = (app: ReturnType<typeof appFailingWith>, path: string) => app.request(`http://127.0.0.1:8080${path}`, { headers: { host: '127.0.0.1:8080' } });

describe('a database that is down or slow, seen over HTTP', () => {
  it('answers 503 with Retry-After when the database is unavailable or does not answer in time', async () => {
    for (const error of [
      new DatabaseUnavailableError(undefined, 'database unavailable (ECONNREFUSED)', 'ECONNREFUSED'),
      new DatabaseTimeoutError('57014', 'database timed out'),
    ]) {
      const response = await get(appFailingWith(error), '/admin/stats');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toMatchObject({ error: `database_${error.kind}` });
    }
  });

  it.each([
    ['GET', '/v1/delegations'],
    ['GET', '/v1/delegations/d-1'],
    ['GET', '/v1/delegations/d-1/wait?timeoutMs=60000'],
    ['POST', '/v1/delegations'],
    ['POST', '/v1/claims'],
    ['POST', '/v1/delegations/d-1/heartbeat'],
    ['POST', '/v1/delegations/d-1/complete'],
    ['POST', '/v1/delegations/d-1/cancel'],
  ])('%s %s: 503 with Retry-After at once when the database is unavailable, never a hang or a 500', async (method, path) => {
    const app = appFailingWith(new DatabaseUnavailableError(undefined, 'database unavailable (ECONNREFUSED)', 'ECONNREFUSED'));
    const body = path === '/v1/delegations' ? '{"calleeId":"a","task":"t","callerId":"c"}' : path === '/v1/claims' ? '{"calleeId":"a"}' : '{}';
    const response = await app.request(`http://127.0.0.1:8080${path}`, {
      method,
      headers: { host: '127.0.0.1:8080', ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body } : {}),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
  });

  it('a /v1 route answers 503 (starting) while the database is still opening', async () => {
    const app = createAdminApp({
      services: () => null,
      registry: new Registry(),
      logger: silentLogger,
      token: null,
      served: () => servedHosts('127.0.0.1', 8080, []),
    });
    const response = await app.request('http://127.0.0.1:8080/v1/delegations', { headers: { host: '127.0.0.1:8080' } });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'starting' });
  });

  it('answers 409 for a conflict the database reported, and 500 for anything else', async () => {
    expect((await get(appFailingWith(new DatabaseConflictError('40001', 'database conflict (40001)')), '/admin/stats')).status).toBe(409);
    expect((await get(appFailingWith(new Error('a bug')), '/admin/stats')).status).toBe(500);
  });
});
