import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_FILTERS } from '../../src/adapters/admin/list-query.js';
import { IN_FLIGHT_STATUSES, STATUSES, TERMINAL_STATUSES } from '../../src/index.js';
import { type AdminFixture, adminFixture, auth, IDS, send } from './support/admin.js';

const ROUTES = [
  ['/healthz', 'GET, HEAD'],
  ['/metrics', 'GET, HEAD'],
  ['/admin/stats', 'GET, HEAD'],
  ['/admin/delegations', 'GET, HEAD'],
  [`/admin/delegations/${IDS.queued}`, 'GET, HEAD'],
  [`/admin/delegations/${IDS.queued}/retry`, 'POST'],
  [`/admin/delegations/${IDS.queued}/cancel`, 'POST'],
] as const;

describe('routes', () => {
  let fixture: AdminFixture;
  beforeAll(async () => {
    fixture = await adminFixture();
  });
  afterAll(() => fixture.close());

  // Issue 10 item 9: GET /admin/delegations/stats returned the counts, so a delegation named `stats` could not be read.
  it('a delegation whose id is `stats` is reachable, and the counts are at /admin/stats', async () => {
    const shown = await send(fixture.app, '/admin/delegations/stats', { headers: auth });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ delegation: { delegationId: IDS.stats }, history: [{ type: 'created' }] });
    const counts = await send(fixture.app, '/admin/stats', { headers: auth });
    expect(Object.keys(counts.body ?? {})).toEqual([...STATUSES]);
    expect(counts.body).toMatchObject({ queued: 3, in_progress: 1, input_required: 1, stuck: 1, completed: 1, rejected: 1 });
  });

  it('with no delegation named `stats`, its 404 says where the counts went', async () => {
    const empty = await adminFixture({ seed: false });
    try {
      const answer = await send(empty.app, '/admin/delegations/stats', { headers: auth });
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ error: 'not_found', delegationId: 'stats', hint: expect.stringContaining('GET /admin/stats') });
    } finally {
      await empty.close();
    }
  });

  it.each(ROUTES)('%s: a wrong method gets 405 with Allow: %s, nothing written', async (path, allow) => {
    const before = await fixture.snapshot();
    const wrong = allow === 'POST' ? ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] : ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
    for (const method of wrong) {
      const answer = await send(fixture.app, path, { method, headers: auth });
      expect(answer.status, `${method} ${path}`).toBe(405);
      expect(answer.headers.get('allow'), `${method} ${path}`).toBe(allow);
      if (method !== 'HEAD') expect(answer.body, `${method} ${path}`).toMatchObject({ error: 'method_not_allowed', allowed: allow.split(', ') });
    }
    expect(await fixture.snapshot()).toBe(before);
  });

  it('an unknown path is still 404', async () => {
    expect((await send(fixture.app, '/admin/nowhere', { headers: auth })).status).toBe(404);
    expect((await send(fixture.app, '/nowhere', { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it.each(ROUTES)('%s refuses an unknown query field, naming it, nothing written', async (path, allow) => {
    const before = await fixture.snapshot();
    const answer = await send(fixture.app, `${path}?verbose=1`, { method: allow === 'POST' ? 'POST' : 'GET', headers: auth });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'bad_request', field: 'verbose', message: expect.stringContaining('not a known query field') });
    expect(await fixture.snapshot()).toBe(before);
  });

  it.each(['0x10', '1e3', '+5', '1.5', ' 5', '5 ', '-1', '0', '1001', '', 'ten', '%35%35%2E', '99999999999999999999'])(
    'limit=%j is refused: strict decimal integers from 1 to 1000',
    async (limit) => {
      const answer = await send(fixture.app, `/admin/delegations?limit=${encodeURIComponent(limit)}`, { headers: auth });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'bad_request', field: 'limit' });
    },
  );

  it('limit=2 and limit=1000 are taken', async () => {
    expect((await send(fixture.app, '/admin/delegations?status=all&limit=2', { headers: auth })).body).toMatchObject({ limit: 2, count: 2 });
    expect((await send(fixture.app, '/admin/delegations?limit=1000', { headers: auth })).body).toMatchObject({ limit: 1000 });
  });

  it('a field given twice, a nameless field or a broken escape in the query: 400', async () => {
    expect((await send(fixture.app, '/admin/delegations?limit=5&limit=6', { headers: auth })).body).toMatchObject({
      field: 'limit',
      message: 'is given more than once',
    });
    expect((await send(fixture.app, '/admin/delegations?=5', { headers: auth })).body).toMatchObject({ field: 'query' });
    expect((await send(fixture.app, '/admin/delegations?status=%ZZ', { headers: auth })).body).toMatchObject({ field: 'query' });
    expect((await send(fixture.app, '/admin/delegations?status=sleeping', { headers: auth })).body).toMatchObject({
      field: 'status',
      allowed: expect.any(Array),
    });
  });

  // Issue 13: the status sets are defined once; the API's validation follows them.
  it.each(STATUSES)('status=%s is accepted and lists exactly the delegations in it', async (status) => {
    const answer = await send(fixture.app, `/admin/delegations?status=${status}`, { headers: auth });
    expect(answer.status).toBe(200);
    const rows = (answer.body?.delegations ?? []) as { status: string }[];
    expect(rows.map((row) => row.status)).toEqual(rows.map(() => status));
  });

  it('in_flight takes input_required, terminal takes rejected; an unknown status lists every one allowed', async () => {
    const statusesOf = async (filter: string) => {
      const rows = ((await send(fixture.app, `/admin/delegations?status=${filter}`, { headers: auth })).body?.delegations ?? []) as { status: string }[];
      return new Set(rows.map((row) => row.status));
    };
    expect([...(await statusesOf('in_flight'))].sort()).toEqual(['in_progress', 'input_required', 'queued', 'stuck']);
    expect([...(await statusesOf('terminal'))].sort()).toEqual(['completed', 'rejected']);
    for (const status of await statusesOf('in_flight')) expect(IN_FLIGHT_STATUSES).toContain(status);
    for (const status of await statusesOf('terminal')) expect(TERMINAL_STATUSES).toContain(status);
    // The A2A spelling is not ours: the answer says what is.
    const refused = await send(fixture.app, '/admin/delegations?status=input-required', { headers: auth });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ field: 'status', allowed: [...STATUS_FILTERS] });
    expect(STATUS_FILTERS).toEqual(expect.arrayContaining(['input_required', 'rejected']));
  });

  it('an operator may not retry a delegation waiting for input nor a rejected one (409, nothing written); cancel withdraws the waiting one', async () => {
    const before = await fixture.snapshot();
    const waiting = await send(fixture.app, `/admin/delegations/${IDS.waiting}/retry`, { method: 'POST', headers: auth });
    expect(waiting.status).toBe(409);
    expect(waiting.body).toMatchObject({ error: 'refused', reason: 'not_allowed', delegation: { status: 'input_required', errorDetail: 'which quarter?' } });
    const rejected = await send(fixture.app, `/admin/delegations/${IDS.rejected}/retry`, { method: 'POST', headers: auth });
    expect(rejected.status).toBe(409);
    expect(rejected.body).toMatchObject({ error: 'refused', reason: 'terminal', delegation: { status: 'rejected' } });
    expect(await fixture.snapshot()).toBe(before);
    const own = await adminFixture();
    try {
      const cancelled = await send(own.app, `/admin/delegations/${IDS.waiting}/cancel`, { method: 'POST', headers: auth });
      expect(cancelled.body).toMatchObject({ outcome: 'applied', event: { type: 'cancelled', fromStatus: 'input_required' } });
    } finally {
      await own.close();
    }
  });

  it("a delegation's history carries the new events with their details", async () => {
    const waiting = await send(fixture.app, `/admin/delegations/${IDS.waiting}`, { headers: auth });
    expect(waiting.body).toMatchObject({
      history: [{ type: 'created' }, { type: 'started' }, { type: 'input_requested', data: { question: 'which quarter?' } }],
    });
    const rejected = await send(fixture.app, `/admin/delegations/${IDS.rejected}`, { headers: auth });
    expect(rejected.body).toMatchObject({ history: [{ type: 'created' }, { type: 'dispatched' }, { type: 'rejected', data: { reason: 'not mine' } }] });
  });
});
