import { afterEach, describe, expect, it } from 'vitest';
import { ConcurrencyError, decide, evolve, STATUSES, type Delegation } from '../domain/index.js';
import type { DelegationStore } from '../app/ports.js';
import { problemsOf } from '../app/verify.js';
import { describeClaimContract } from './claim.contract.js';
import { describeGraceContract } from './grace.contract.js';
import { describeListContract } from './list.contract.js';
import { describeRequeueContract } from './requeue.contract.js';
import { describeSweepContract } from './sweep.contract.js';
import { apply, at, creation, expectWellFormedStream, MINUTE, running, seed, SECOND } from './streams.js';

/** An empty store for one case; the contract closes it afterwards. */
export type StoreFactory = () => Promise<DelegationStore>;

/** The DelegationStore port: what every adapter (memory, PGlite, PostgreSQL) must do alike. */
export function describeDelegationStoreContract(name: string, factory: StoreFactory): void {
  describe(`DelegationStore contract: ${name}`, () => {
    const opened: DelegationStore[] = [];
    const given = async () => {
      const store = await factory();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    describeInsert(given);
    describeAppend(given);
    describeHeartbeats(given);
    describeReads(given);
    describeListContract(given);
    describeSweepContract(given);
    describeRequeueContract(given);
    describeClaimContract(given);
    describeGraceContract(given);
  });
}

function describeInsert(given: StoreFactory): void {
  describe('insert', () => {
    it('writes the row and its created event as version 1', async () => {
      const store = await given();
      const { delegation, event } = creation({ id: 'd1', idempotencyKey: 'k1' });
      const result = await store.insert(delegation, event);
      expect(result).toMatchObject({ inserted: true, delegation, event: { ...event, version: 1 } });
      expect(await store.load('d1')).toEqual(delegation);
      const history = await store.history('d1');
      expect(history).toHaveLength(1);
      expect(history[0]).toEqual(result.inserted ? result.event : undefined);
    });

    it('reports a taken id as a conflict, returns the existing delegation and writes nothing', async () => {
      const store = await given();
      const first = await seed(store, { id: 'd1', callerId: 'alice' });
      const again = creation({ id: 'd1', callerId: 'bob', idempotencyKey: 'k' });
      expect(await store.insert(again.delegation, again.event)).toEqual({ inserted: false, conflict: 'delegation_id', existing: first });
      expect(await store.history('d1')).toHaveLength(1);
      expect((await store.countByStatus()).queued).toBe(1);
    });

    it('reports a taken (caller, idempotency key) as a conflict with the delegation that holds it', async () => {
      const store = await given();
      const first = await seed(store, { id: 'd1', callerId: 'alice', idempotencyKey: 'same' });
      const again = creation({ id: 'd2', callerId: 'alice', idempotencyKey: 'same' });
      expect(await store.insert(again.delegation, again.event)).toEqual({ inserted: false, conflict: 'idempotency_key', existing: first });
      expect(await store.load('d2')).toBeNull();
      expect(await store.history('d2')).toEqual([]);
    });

    it('scopes idempotency keys to their caller and lets any number of delegations carry none', async () => {
      const store = await given();
      await seed(store, { id: 'd1', callerId: 'alice', idempotencyKey: 'same' });
      await seed(store, { id: 'd2', callerId: 'bob', idempotencyKey: 'same' });
      await seed(store, { id: 'd3', callerId: 'alice' });
      await seed(store, { id: 'd4', callerId: 'alice' });
      expect((await store.countByStatus()).queued).toBe(4);
    });
  });
}

function describeAppend(given: StoreFactory): void {
  describe('append', () => {
    it('appends under the expected version, numbering per stream and globally', async () => {
      const store = await given();
      await seed(store, { id: 'd1' });
      await seed(store, { id: 'd2' });
      const written = await apply(store, 'd1', { type: 'Dispatch', actor: 'dispatcher' }, at(SECOND));
      expect(written.delegation).toMatchObject({ status: 'dispatched', version: 2, activeSince: at(SECOND), updatedAt: at(SECOND) });
      expect(written.events).toEqual([expect.objectContaining({ type: 'dispatched', version: 2, actor: 'dispatcher', occurredAt: at(SECOND) })]);
      expect(await store.load('d1')).toEqual(written.delegation);
      const [d2] = await store.history('d2');
      expect((written.events[0]?.position ?? 0) > (d2?.position ?? Infinity)).toBe(true);
      expectWellFormedStream(await store.history('d1'));
    });

    it('appends several events of one decision together, in order', async () => {
      const store = await given();
      const created = await seed(store, { id: 'd1' });
      const dispatched = {
        type: 'dispatched',
        delegationId: 'd1',
        attempt: 1,
        fromStatus: 'queued',
        toStatus: 'dispatched',
        actor: 'dispatcher',
        occurredAt: at(1),
        data: {},
      } as const;
      const started = {
        ...dispatched,
        type: 'started',
        fromStatus: 'dispatched',
        toStatus: 'in_progress',
        actor: 'agent',
        occurredAt: at(2),
        data: { viaHeartbeat: false },
      } as const;
      let next: Delegation = created;
      for (const event of [dispatched, started]) {
        next = { ...next, version: next.version + 1, status: event.toStatus, activeSince: event.occurredAt, updatedAt: event.occurredAt } as Delegation;
      }
      const written = await store.append({ delegationId: 'd1', expectedVersion: 1, events: [dispatched, started], next });
      expect(written.events.map((event) => [event.type, event.version])).toEqual([
        ['dispatched', 2],
        ['started', 3],
      ]);
      expectWellFormedStream(await store.history('d1'));
      expect(problemsOf({ delegation: (await store.load('d1')) as Delegation, events: await store.history('d1') })).toEqual([]);
    });

    it('refuses a stale expected version with ConcurrencyError and writes nothing', async () => {
      const store = await given();
      await seed(store, { id: 'd1' });
      const stale = await store.load('d1');
      await apply(store, 'd1', { type: 'Dispatch' }, at(SECOND));
      const before = { row: await store.load('d1'), history: await store.history('d1') };
      const cancelled = { ...(stale as Delegation), status: 'cancelled', version: 2 } as Delegation;
      const event = {
        type: 'cancelled',
        delegationId: 'd1',
        attempt: 1,
        fromStatus: 'queued',
        toStatus: 'cancelled',
        actor: 'operator',
        occurredAt: at(2 * SECOND),
        data: { reason: null },
      } as const;
      const attempt = store.append({ delegationId: 'd1', expectedVersion: 1, events: [event], next: cancelled });
      await expect(attempt).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(attempt).rejects.toMatchObject({ delegationId: 'd1', expectedVersion: 1 });
      expect({ row: await store.load('d1'), history: await store.history('d1') }).toEqual(before);
    });

    it('refuses an append to a delegation that does not exist', async () => {
      const store = await given();
      const { delegation } = creation({ id: 'ghost' });
      const event = {
        type: 'cancelled',
        delegationId: 'ghost',
        attempt: 1,
        fromStatus: 'queued',
        toStatus: 'cancelled',
        actor: 'operator',
        occurredAt: at(1),
        data: { reason: null },
      } as const;
      await expect(
        store.append({ delegationId: 'ghost', expectedVersion: 1, events: [event], next: { ...delegation, status: 'cancelled', version: 2 } as Delegation }),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await store.history('ghost')).toEqual([]);
    });
  });
}

function describeHeartbeats(given: StoreFactory): void {
  describe('heartbeat fields', () => {
    it('keeps a heartbeat recorded after the decision was read when the append lands in the same attempt', async () => {
      const store = await given();
      await running(store, { id: 'd1' }, at(0), at(SECOND));
      const read = (await store.load('d1')) as Delegation;
      await store.recordHeartbeats([{ delegationId: 'd1', progress: 5 }], at(10 * SECOND));
      const decision = decide({ type: 'MarkStuck', detail: 'marked stuck', silentForMs: null, actor: 'operator' }, read, at(11 * SECOND));
      const events = decision.kind === 'apply' ? decision.events : [];
      const next = events.reduce<Delegation>(evolve, read);
      expect(next).toMatchObject({ lastHeartbeat: null, progress: null });
      const written = await store.append({ delegationId: 'd1', expectedVersion: read.version, events, next });
      expect(written.delegation).toMatchObject({ status: 'stuck', lastHeartbeat: at(10 * SECOND), progress: 5 });
      expect(await store.load('d1')).toEqual(written.delegation);
    });

    it('keeps the later heartbeat and the higher progress when the decision carries its own', async () => {
      const store = await given();
      await running(store, { id: 'd1' }, at(0), at(SECOND));
      await store.recordHeartbeats([{ delegationId: 'd1', progress: 9 }], at(20 * SECOND));
      const stale = (await store.load('d1')) as Delegation;
      const older = {
        ...stale,
        status: 'completed',
        version: 4,
        lastHeartbeat: at(5 * SECOND),
        progress: 2,
        resultPreview: 'r',
        errorDetail: null,
        updatedAt: at(21 * SECOND),
      } as Delegation;
      const event = {
        type: 'completed',
        delegationId: 'd1',
        attempt: 1,
        fromStatus: 'in_progress',
        toStatus: 'completed',
        actor: 'agent',
        occurredAt: at(21 * SECOND),
        data: { result: 'r' },
      } as const;
      const written = await store.append({ delegationId: 'd1', expectedVersion: 3, events: [event], next: older });
      expect(written.delegation).toMatchObject({ status: 'completed', lastHeartbeat: at(20 * SECOND), progress: 9 });
      expect(await store.load('d1')).toEqual(written.delegation);
    });

    it('resets the heartbeat fields when a retry opens a new attempt', async () => {
      const store = await given();
      await running(store, { id: 'd1' }, at(0), at(SECOND));
      await store.recordHeartbeats([{ delegationId: 'd1', progress: 5 }], at(10 * SECOND));
      await apply(store, 'd1', { type: 'MarkStuck', detail: 'no heartbeat for 700s', silentForMs: 700_000 }, at(20 * MINUTE));
      const requeued = await apply(store, 'd1', { type: 'Requeue', actor: 'operator' }, at(21 * MINUTE));
      expect(requeued.delegation).toMatchObject({ status: 'queued', attempt: 2, lastHeartbeat: null, progress: null, activeSince: null });
      expect(await store.load('d1')).toEqual(requeued.delegation);
    });
  });

  describe('recordHeartbeats', () => {
    it('touches only in_progress rows whose attempt matches, and reports exactly those', async () => {
      const store = await given();
      await seed(store, { id: 'queued' });
      await seed(store, { id: 'dispatched' });
      await apply(store, 'dispatched', { type: 'Dispatch' }, at(1));
      await running(store, { id: 'running' }, at(1), at(2));
      await running(store, { id: 'fenced' }, at(1), at(2));
      await running(store, { id: 'stuck' }, at(1), at(2));
      await apply(store, 'stuck', { type: 'MarkStuck', detail: 'marked stuck', silentForMs: null }, at(3));
      await running(store, { id: 'done' }, at(1), at(2));
      await apply(store, 'done', { type: 'Complete', result: 'ok' }, at(3));
      const ids = ['queued', 'dispatched', 'running', 'fenced', 'stuck', 'done', 'unknown'];
      const before = await Promise.all(ids.map((id) => store.load(id)));
      const beats = ids.map((delegationId) => ({ delegationId, attempt: delegationId === 'fenced' ? 2 : 1, progress: 1 }));
      const touched = await store.recordHeartbeats(beats, at(MINUTE));
      expect(touched.map((d) => d.delegationId)).toEqual(['running']);
      expect(touched[0]).toMatchObject({ lastHeartbeat: at(MINUTE), progress: 1, version: 3 });
      const after = await Promise.all(ids.map((id) => store.load(id)));
      ids.forEach((id, index) => {
        if (id !== 'running') expect(after[index]).toEqual(before[index]);
      });
      expect(await store.history('running')).toHaveLength(3);
    });

    it('records a batch of many beats in one call, never moving a heartbeat or progress back', async () => {
      const store = await given();
      const ids = Array.from({ length: 64 }, (_, index) => `b${String(index).padStart(3, '0')}`);
      for (const id of ids) await running(store, { id }, at(0), at(1));
      await store.recordHeartbeats(
        ids.map((delegationId) => ({ delegationId, progress: 10 })),
        at(2 * MINUTE),
      );
      const touched = await store.recordHeartbeats(
        [...ids.map((delegationId, index) => ({ delegationId, progress: index % 2 === 0 ? 4 : 12 })), { delegationId: 'nobody', progress: 1 }],
        at(MINUTE),
      );
      expect(touched.map((d) => d.delegationId).sort()).toEqual(ids);
      for (const d of touched) {
        expect(d).toMatchObject({ lastHeartbeat: at(2 * MINUTE), progress: Number(d.delegationId.slice(1)) % 2 === 0 ? 10 : 12 });
        expect(await store.load(d.delegationId)).toEqual(d);
      }
    });
  });
}

function describeReads(given: StoreFactory): void {
  describe('reads', () => {
    it('answers null and an empty history for an unknown delegation', async () => {
      const store = await given();
      expect(await store.load('missing')).toBeNull();
      expect(await store.history('missing')).toEqual([]);
    });

    it('lists by status, newest first (then by id), up to the limit', async () => {
      const store = await given();
      for (const [index, id] of ['a', 'b', 'c', 'd', 'e'].entries()) await seed(store, { id, createdAt: at(index * SECOND) });
      await seed(store, { id: 'f', createdAt: at(4 * SECOND) });
      await apply(store, 'b', { type: 'Cancel', reason: null, actor: 'operator' }, at(10 * SECOND));
      const ids = async (statuses: Parameters<DelegationStore['list']>[0]['statuses'], limit = 10) =>
        (await store.list({ statuses, limit })).map((d) => d.delegationId);
      expect(await ids(['queued'])).toEqual(['e', 'f', 'd', 'c', 'a']);
      expect(await ids(['queued'], 2)).toEqual(['e', 'f']);
      expect(await ids(['cancelled', 'completed'])).toEqual(['b']);
      expect(await ids(STATUSES)).toHaveLength(6);
      expect(await ids([])).toEqual([]);
    });

    it('counts every status, zeros included', async () => {
      const store = await given();
      const zero = Object.fromEntries(STATUSES.map((status) => [status, 0]));
      expect(await store.countByStatus()).toEqual(zero);
      await seed(store, { id: 'a' });
      await running(store, { id: 'b' }, at(1), at(2));
      await running(store, { id: 'c' }, at(1), at(2));
      await apply(store, 'c', { type: 'Fail', error: 'boom' }, at(3));
      expect(await store.countByStatus()).toEqual({ ...zero, queued: 1, in_progress: 1, failed: 1 });
    });

    it('scans delegations in id order after a cursor, each with its whole stream', async () => {
      const store = await given();
      const ids = Array.from({ length: 7 }, (_, index) => `s${index}`);
      for (const id of [...ids].reverse()) await running(store, { id }, at(1), at(2));
      const first = await store.scan(null, 3);
      expect(first.map((s) => s.delegation.delegationId)).toEqual(['s0', 's1', 's2']);
      const rest = await store.scan('s2', 10);
      expect(rest.map((s) => s.delegation.delegationId)).toEqual(['s3', 's4', 's5', 's6']);
      for (const snapshot of [...first, ...rest]) {
        expect(snapshot.events.map((event) => event.type)).toEqual(['created', 'dispatched', 'started']);
        expect(snapshot.events).toEqual(await store.history(snapshot.delegation.delegationId));
        expect(problemsOf(snapshot)).toEqual([]);
      }
      expect(await store.scan('s6', 10)).toEqual([]);
    });
  });
}
