import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminFixture, adminFixture, bearer, IDS, ROLE_TOKENS, roleTable, SEED_CALLEE, SEED_CALLER, send } from './support/admin.js';
import { delegationIn } from './support/v1-routes.js';

const caller = bearer(ROLE_TOKENS.caller);
const agent = bearer(ROLE_TOKENS.agent);
const admin = bearer(ROLE_TOKENS.admin);
const JSON_TYPE = { 'content-type': 'application/json' };

type Json = Record<string, unknown>;

describe('the v1 API', () => {
  let fixture: AdminFixture;
  const post = (path: string, headers: Record<string, string>, body: unknown) =>
    send(fixture.app, path, { method: 'POST', headers: { ...JSON_TYPE, ...headers }, body: JSON.stringify(body) });
  const get = (path: string, headers: Record<string, string>, init: RequestInit = {}) => send(fixture.app, path, { ...init, headers });
  beforeAll(async () => {
    fixture = await adminFixture({ tokens: roleTable() });
  });
  afterAll(() => fixture.close());

  describe('create', () => {
    it('a caller token creates for its own callerId: 201, recorded as the caller', async () => {
      const answer = await post('/v1/delegations', caller, { calleeId: 'translator', task: 'translate' });
      expect(answer.status).toBe(201);
      const delegation = answer.body?.delegation as Json;
      expect(delegation).toMatchObject({ callerId: SEED_CALLER, calleeId: 'translator', status: 'queued', taskPreview: 'translate' });
      expect(await fixture.delegations.ledger.history(delegation.delegationId as string)).toMatchObject([{ type: 'created', actor: 'caller' }]);
    });

    it("another callerId in a caller token's body is 403; an admin must name one (400 naming callerId)", async () => {
      const before = await fixture.snapshot();
      expect((await post('/v1/delegations', caller, { calleeId: 'x', task: 't', callerId: 'someone-else' })).status).toBe(403);
      const missing = await post('/v1/delegations', admin, { calleeId: 'x', task: 't' });
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({ field: 'callerId' });
      expect(await fixture.snapshot()).toBe(before);
    });

    it('a repeat with the same Idempotency-Key is 200 with the same delegation; one key for another request is 422 naming the field', async () => {
      const key = { ...caller, 'idempotency-key': 'order-7f3a' };
      const first = await post('/v1/delegations', key, { calleeId: 'translator', task: 'once' });
      const again = await post('/v1/delegations', key, { calleeId: 'translator', task: 'once' });
      expect([first.status, again.status]).toEqual([201, 200]);
      expect(again.body?.delegation).toEqual(first.body?.delegation);
      expect((first.body?.delegation as Json | undefined)?.idempotencyKey).toBe('order-7f3a');
      const before = await fixture.snapshot();
      const other = await post('/v1/delegations', key, { calleeId: 'translator', task: 'something else' });
      expect(other.status).toBe(422);
      expect(other.body).toMatchObject({
        error: 'idempotency_key_reused',
        field: 'task',
        delegationId: (first.body?.delegation as Json | undefined)?.delegationId,
      });
      // The quoted structured-field form names the same key.
      expect((await post('/v1/delegations', { ...caller, 'idempotency-key': '"order-7f3a"' }, { calleeId: 'translator', task: 'once' })).status).toBe(200);
      expect(await fixture.snapshot()).toBe(before);
    });

    it('with a caller-chosen id and a key: 201 then 200; the id taken without the key is 409', async () => {
      const body = { calleeId: 'translator', task: 'mine', delegationId: 'chosen-1' };
      const key = { ...caller, 'idempotency-key': 'k-chosen-1' };
      expect((await post('/v1/delegations', key, body)).status).toBe(201);
      expect((await post('/v1/delegations', key, body)).status).toBe(200);
      const taken = await post('/v1/delegations', caller, body);
      expect(taken.status).toBe(409);
      expect(taken.body).toMatchObject({ error: 'exists', field: 'delegationId' });
    });

    it.each([
      ['', 'empty'],
      ['a b', 'a space'],
      ['x'.repeat(256), 'too long'],
      ['caf\u00e9', 'not ASCII'],
      ['a"b', 'a quote inside'],
    ])('an Idempotency-Key %j (%s) is 400 naming the header, nothing written', async (value) => {
      const before = await fixture.snapshot();
      const headers = new Headers({ ...JSON_TYPE, ...caller });
      headers.set('idempotency-key', value);
      const answer = await send(fixture.app, '/v1/delegations', { method: 'POST', headers, body: JSON.stringify({ calleeId: 'x', task: 't' }) });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ field: 'idempotency-key' });
      expect(await fixture.snapshot()).toBe(before);
    });

    it("the ledger's own checks name the field: a deadline in the past, an oversized id", async () => {
      const past = await post('/v1/delegations', caller, { calleeId: 'x', task: 't', deadline: '2000-01-01T00:00:00Z' });
      expect(past.status).toBe(400);
      expect(past.body).toMatchObject({ field: 'deadline' });
      const long = await post('/v1/delegations', caller, { calleeId: 'x'.repeat(300), task: 't' });
      expect(long.body).toMatchObject({ field: 'calleeId' });
    });
  });

  describe('list', () => {
    it("pages through a caller's delegations newest first with the cursor: every row once, then nextCursor null", async () => {
      const own = await fixture.delegations.ledger.list({ status: 'all', callerId: SEED_CALLER, limit: 1000 });
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 100; pages += 1) {
        const query: string = `status=all&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`;
        const answer = await get(`/v1/delegations?${query}`, caller);
        expect(answer.status).toBe(200);
        const rows = answer.body?.delegations as Json[];
        seen.push(...rows.map((row) => row.delegationId as string));
        cursor = answer.body?.nextCursor as string | null;
        if (cursor === null) break;
      }
      expect(seen).toEqual(own.map((d) => d.delegationId));
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('a caller token sees only its own; an agent token only what is addressed to it', async () => {
      await fixture.delegations.ledger.create({ callerId: 'someone-else', calleeId: 'another-agent', task: 'theirs' });
      const mine = (await get('/v1/delegations?status=all&limit=1000', caller)).body?.delegations as Json[];
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((d) => d.callerId === SEED_CALLER)).toBe(true);
      const addressed = (await get('/v1/delegations?status=all&limit=1000', agent)).body?.delegations as Json[];
      expect(addressed.every((d) => d.calleeId === SEED_CALLEE)).toBe(true);
      expect((await get('/v1/delegations?callerId=someone-else', caller)).status).toBe(403);
      expect((await get('/v1/delegations?calleeId=another-agent', agent)).status).toBe(403);
    });

    it('filters by creation time, exclusive at both ends', async () => {
      const all = await fixture.delegations.ledger.list({ status: 'all', limit: 1000 });
      const times = [...new Set(all.map((d) => d.createdAt.getTime()))].sort((a, b) => a - b);
      const pivot = new Date(times[0] as number).toISOString();
      const after = (await get(`/v1/delegations?status=all&limit=1000&createdAfter=${pivot}`, admin)).body?.delegations as Json[];
      const before = (await get(`/v1/delegations?status=all&limit=1000&createdBefore=${pivot}`, admin)).body?.delegations as Json[];
      expect(after.every((d) => Date.parse(d.createdAt as string) > Date.parse(pivot))).toBe(true);
      expect(before).toEqual([]);
      expect(after.length).toBe(all.filter((d) => d.createdAt.getTime() > (times[0] as number)).length);
    });

    it.each([
      ['cursor=nope!', 'cursor'],
      ['cursor=WzEsMl0', 'cursor'],
      ['createdAfter=yesterday', 'createdAfter'],
      ['createdBefore=2026-13-45T00:00:00Z', 'createdBefore'],
      ['callerId=', 'callerId'],
      ['limit=0', 'limit'],
      ['status=asleep', 'status'],
    ])('?%s is 400 naming %s', async (query, field) => {
      const answer = await get(`/v1/delegations?${query}`, admin);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ field });
    });
  });

  describe('wait', () => {
    it('answers timedOut false once the delegation is terminal, with the final state', async () => {
      const id = await delegationIn(fixture.delegations.ledger, 'in_progress');
      const waiting = get(`/v1/delegations/${id}/wait?timeoutMs=30000`, caller);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await fixture.delegations.ledger.setStatus(id, 'completed', { resultPreview: 'fine' });
      const answer = await waiting;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ timedOut: false, delegation: { delegationId: id, status: 'completed', resultPreview: 'fine' } });
    });

    it('answers timedOut true with the current state when timeoutMs passes first', async () => {
      const id = await delegationIn(fixture.delegations.ledger, 'queued');
      const answer = await get(`/v1/delegations/${id}/wait?timeoutMs=5`, caller);
      expect(answer.body).toMatchObject({ timedOut: true, delegation: { delegationId: id, status: 'queued' } });
    });

    it('until=input_required returns when the agent asks', async () => {
      const id = await delegationIn(fixture.delegations.ledger, 'input_required');
      const answer = await get(`/v1/delegations/${id}/wait?until=input_required&timeoutMs=30000`, caller);
      expect(answer.body).toMatchObject({ timedOut: false, delegation: { status: 'input_required' } });
    });

    it('a client that goes away releases its wait', async () => {
      const id = await delegationIn(fixture.delegations.ledger, 'queued');
      const controller = new AbortController();
      const pending = fixture.app.request(`http://127.0.0.1:8080/v1/delegations/${id}/wait?timeoutMs=60000`, { headers: caller, signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort();
      const response = await pending;
      expect(response.status).toBe(499);
    });

    it.each([
      ['timeoutMs=0', 'timeoutMs'],
      ['timeoutMs=60001', 'timeoutMs'],
      ['timeoutMs=1e3', 'timeoutMs'],
      ['until=done', 'until'],
      ['until=', 'until'],
    ])('?%s is 400 naming %s', async (query, field) => {
      const answer = await get(`/v1/delegations/${IDS.done}/wait?${query}`, admin);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ field });
    });

    it('404 for a delegation that does not exist', async () => {
      expect((await get('/v1/delegations/nobody/wait?timeoutMs=5', admin)).status).toBe(404);
    });
  });

  describe("the agent's loop", () => {
    it("claims only its own callee's work, beats, is told to stop once the caller cancels", async () => {
      const { ledger } = fixture.delegations;
      const created = await ledger.create({ callerId: SEED_CALLER, calleeId: SEED_CALLEE, task: 'loop' });
      await ledger.create({ callerId: SEED_CALLER, calleeId: 'another-agent', task: 'not yours' });
      const claimed = (await post('/v1/claims', agent, { limit: 1000 })).body?.delegations as Json[];
      expect(claimed.map((d) => d.delegationId)).toContain(created.delegationId);
      expect(claimed.every((d) => d.calleeId === SEED_CALLEE && d.status === 'dispatched')).toBe(true);
      const beat = await post(`/v1/delegations/${created.delegationId}/heartbeat`, agent, { attempt: 1, progress: 0.25 });
      expect(beat.body).toMatchObject({ outcome: 'applied', stop: false, reason: null, status: 'in_progress', attempt: 1 });
      expect((await post(`/v1/delegations/${created.delegationId}/cancel`, caller, { reason: 'changed my mind' })).status).toBe(200);
      const told = await post(`/v1/delegations/${created.delegationId}/heartbeat`, agent, {});
      expect(told.status).toBe(200);
      expect(told.body).toMatchObject({ stop: true, reason: 'cancelled' });
      const history = await ledger.history(created.delegationId);
      expect(history.map((e) => [e.type, e.actor])).toEqual([
        ['created', 'caller'],
        ['dispatched', 'agent'],
        ['started', 'agent'],
        ['cancelled', 'caller'],
      ]);
    });

    it('asks, is answered, completes; a late completion is refused with 409 and the reason', async () => {
      const id = await delegationIn(fixture.delegations.ledger, 'in_progress');
      expect((await post(`/v1/delegations/${id}/input-request`, agent, { question: 'which quarter?' })).body).toMatchObject({
        outcome: 'applied',
        delegation: { status: 'input_required', errorDetail: 'which quarter?' },
      });
      expect((await post(`/v1/delegations/${id}/resume`, caller, { answer: 'Q3' })).body).toMatchObject({
        outcome: 'applied',
        delegation: { status: 'in_progress' },
      });
      expect((await post(`/v1/delegations/${id}/complete`, agent, { result: '42' })).body).toMatchObject({
        outcome: 'applied',
        delegation: { status: 'completed', resultPreview: '42' },
      });
      const late = await post(`/v1/delegations/${id}/fail`, agent, { error: 'too late' });
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({ error: 'refused', reason: expect.any(String), delegation: { status: 'completed' } });
    });

    it('an attempt that is not the current one is refused; an admin claim must name the callee', async () => {
      const id = await delegationIn(fixture.delegations.ledger, 'in_progress');
      const stale = await post(`/v1/delegations/${id}/complete`, agent, { attempt: 2 });
      expect(stale.status).toBe(409);
      const noCallee = await post('/v1/claims', admin, {});
      expect(noCallee.status).toBe(400);
      expect(noCallee.body).toMatchObject({ field: 'calleeId' });
      expect((await post('/v1/claims', agent, { calleeId: 'another-agent' })).status).toBe(403);
    });

    it.each([
      ['heartbeat', { progress: -1 }, 'progress'],
      ['heartbeat', { attempt: 0 }, 'attempt'],
      ['heartbeat', { attempt: 1.5 }, 'attempt'],
      ['fail', { retryable: 'yes' }, 'retryable'],
      ['input-request', {}, 'question'],
      ['complete', { result: 42 }, 'result'],
      ['reject', { why: 'x' }, 'why'],
    ])('%s with %j is 400 naming %s, nothing written', async (verb, body, field) => {
      const id = await delegationIn(fixture.delegations.ledger, 'in_progress');
      const before = await fixture.snapshot();
      const answer = await post(`/v1/delegations/${id}/${verb}`, agent, body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ field });
      expect(await fixture.snapshot()).toBe(before);
    });
  });
});
