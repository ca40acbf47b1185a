import { describe, expect, it } from 'vitest';
import { DelegationExistsError, InvalidInputError, STATUSES, type Status } from '../domain/index.js';
import type { LedgerHarness, LedgerHarnessFactory } from './harness.js';
import { givenHarnesses, type Given } from './given.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const THRESHOLD = 10 * MINUTE;

/** The Ledger and Sweeper as a host drives them, through the composition root, on every store. */
export function describeLedgerContract(name: string, factory: LedgerHarnessFactory): void {
  describe(`Ledger contract: ${name}`, () => {
    const given = givenHarnesses(factory, { stuckThresholdMs: THRESHOLD, bootGraceMs: 0 });

    describeCreate(given);
    describeTransitions(given);
    describeHeartbeats(given);
    describeRetryAndCancel(given);
    describeQueries(given);
    describeSweeps(given);
  });
}

const create = (h: LedgerHarness, delegationId = 'd1', extra: { idempotencyKey?: string; callerId?: string; deadline?: Date } = {}) =>
  h.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'summarise the report', delegationId, ...extra });

async function running(h: LedgerHarness, id = 'd1', deadline?: Date) {
  await create(h, id, deadline ? { deadline } : {});
  await h.ledger.setStatus(id, 'dispatched', { actor: 'dispatcher' });
  await h.ledger.setStatus(id, 'in_progress');
}

function describeCreate(given: Given): void {
  describe('create', () => {
    it('records a queued delegation and its created event, the deadline defaulting to now + 6 h', async () => {
      const h = await given();
      const now = h.clock.advance(5 * SECOND);
      const d = await create(h);
      expect(d).toMatchObject({
        delegationId: 'd1',
        status: 'queued',
        attempt: 1,
        version: 1,
        createdAt: now,
        updatedAt: now,
        deadline: new Date(now.getTime() + 6 * HOUR),
      });
      expect(await h.ledger.get('d1')).toEqual(d);
      expect(await h.ledger.history('d1')).toEqual([
        expect.objectContaining({
          type: 'created',
          version: 1,
          fromStatus: null,
          toStatus: 'queued',
          actor: 'caller',
          occurredAt: now,
          data: expect.objectContaining({ callerId: 'caller', taskPreview: 'summarise the report' }),
        }),
      ]);
    });

    it('generates a UUID when the caller names no id', async () => {
      const h = await given();
      const d = await h.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 't' });
      expect(d.delegationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(await h.ledger.get(d.delegationId)).toEqual(d);
    });

    it('returns the existing delegation for a repeated (caller, idempotency key), writing nothing', async () => {
      const h = await given();
      const first = await create(h, 'd1', { idempotencyKey: 'k' });
      h.clock.advance(SECOND);
      expect(await create(h, 'd1', { idempotencyKey: 'k' })).toEqual(first);
      expect(await create(h, 'd2', { idempotencyKey: 'k' })).toEqual(first);
      expect(await h.ledger.get('d2')).toBeNull();
      expect((await h.ledger.stats()).queued).toBe(1);
      expect(await h.ledger.history('d1')).toHaveLength(1);
    });

    it('refuses an id that belongs to another request with DelegationExistsError', async () => {
      const h = await given();
      await create(h, 'd1');
      await expect(create(h, 'd1')).rejects.toBeInstanceOf(DelegationExistsError);
      await expect(create(h, 'd1', { idempotencyKey: 'k', callerId: 'someone else' })).rejects.toBeInstanceOf(DelegationExistsError);
      expect(await h.ledger.history('d1')).toHaveLength(1);
    });
  });
}

function describeTransitions(given: Given): void {
  describe('setStatus', () => {
    it('applies each forward step with its event and actor', async () => {
      const h = await given();
      await create(h);
      const steps: [Status, string, string][] = [
        ['dispatched', 'dispatcher', 'dispatched'],
        ['in_progress', 'agent', 'started'],
        ['completed', 'agent', 'completed'],
      ];
      for (const [status, actor, type] of steps) {
        const now = h.clock.advance(SECOND);
        const outcome = await h.ledger.setStatus('d1', status, { actor, resultPreview: status === 'completed' ? 'the summary' : undefined });
        expect(outcome).toMatchObject({
          outcome: 'applied',
          delegation: { status, updatedAt: now },
          event: { type, actor, toStatus: status, occurredAt: now },
        });
      }
      expect(await h.ledger.get('d1')).toMatchObject({ status: 'completed', resultPreview: 'the summary', version: 4 });
    });

    it('treats a same-status replay as a no-op: no event, no updated_at bump', async () => {
      const h = await given();
      await create(h);
      const applied = await h.ledger.setStatus('d1', 'dispatched');
      h.clock.advance(SECOND);
      const replay = await h.ledger.setStatus('d1', 'dispatched');
      expect(replay).toMatchObject({ outcome: 'unchanged' });
      expect(await h.ledger.get('d1')).toEqual(applied.outcome === 'applied' ? applied.delegation : null);
      expect(await h.ledger.history('d1')).toHaveLength(2);
    });

    it('lets a replay fill an empty result once and never overwrite it', async () => {
      const h = await given();
      await running(h);
      const done = await h.ledger.setStatus('d1', 'completed');
      h.clock.advance(SECOND);
      expect(await h.ledger.setStatus('d1', 'completed', { resultPreview: 'late result' })).toMatchObject({
        outcome: 'applied',
        event: { type: 'detail_recorded' },
      });
      expect(await h.ledger.setStatus('d1', 'completed', { resultPreview: 'other' })).toMatchObject({ outcome: 'unchanged' });
      expect(await h.ledger.get('d1')).toMatchObject({
        resultPreview: 'late result',
        updatedAt: done.outcome === 'applied' ? done.delegation.updatedAt : null,
      });
    });

    it('refuses steps back and moves out of a terminal status, changing nothing', async () => {
      const h = await given();
      await running(h);
      expect(await h.ledger.setStatus('d1', 'dispatched')).toMatchObject({ outcome: 'refused', reason: 'not_allowed' });
      await h.ledger.setStatus('d1', 'failed', { errorDetail: 'boom' });
      const before = { row: await h.ledger.get('d1'), history: await h.ledger.history('d1') };
      for (const status of STATUSES.filter((s) => s !== 'failed')) {
        expect(await h.ledger.setStatus('d1', status)).toMatchObject({ outcome: 'refused', reason: 'terminal' });
      }
      expect({ row: await h.ledger.get('d1'), history: await h.ledger.history('d1') }).toEqual(before);
    });

    it('answers not_found for an unknown id and a typed error for an unknown status', async () => {
      const h = await given();
      expect(await h.ledger.setStatus('nobody', 'completed')).toEqual({ outcome: 'not_found', delegationId: 'nobody' });
      await create(h);
      await expect(h.ledger.setStatus('d1', 'done' as Status)).rejects.toMatchObject({ name: 'InvalidInputError', field: 'status' });
    });
  });
}

function describeHeartbeats(given: Given): void {
  describe('heartbeat', () => {
    it('starts a dispatched delegation, then records beats on the row without events, progress never going back', async () => {
      const h = await given();
      await create(h);
      await h.ledger.setStatus('d1', 'dispatched');
      const first = h.clock.advance(SECOND);
      expect(await h.ledger.heartbeat('d1', { progress: 5 })).toMatchObject({
        outcome: 'applied',
        stop: false,
        event: { type: 'started' },
        delegation: { lastHeartbeat: first },
      });
      const second = h.clock.advance(SECOND);
      expect(await h.ledger.heartbeat('d1', { progress: 2 })).toMatchObject({
        outcome: 'recorded',
        stop: false,
        delegation: { lastHeartbeat: second, progress: 5 },
      });
      expect(await h.ledger.history('d1')).toHaveLength(3);
    });

    it('recovers a stuck delegation, tells a finished or unknown one to stop', async () => {
      const h = await given();
      await running(h, 'stuck');
      h.clock.advance(THRESHOLD + 1);
      await h.sweeper.sweep();
      expect(await h.ledger.heartbeat('stuck')).toMatchObject({ outcome: 'applied', stop: false, event: { type: 'recovered', fromStatus: 'stuck' } });
      await running(h, 'done');
      await h.ledger.setStatus('done', 'completed');
      expect(await h.ledger.heartbeat('done')).toMatchObject({ outcome: 'refused', refusal: { reason: 'terminal' }, stop: true, reason: 'completed' });
      expect(await h.ledger.heartbeat('nobody')).toMatchObject({ outcome: 'not_found', stop: true });
    });

    it('answers a batch of beats one outcome per id, in order', async () => {
      const h = await given();
      await running(h, 'running');
      await create(h, 'dispatched');
      await h.ledger.setStatus('dispatched', 'dispatched');
      await running(h, 'done');
      await h.ledger.setStatus('done', 'cancelled');
      const outcomes = await h.ledger.heartbeatMany(['running', 'dispatched', 'done', 'nobody']);
      expect(outcomes.map((o) => [o.outcome, o.stop])).toEqual([
        ['recorded', false],
        ['applied', false],
        ['refused', true],
        ['not_found', true],
      ]);
    });
  });
}

function describeRetryAndCancel(given: Given): void {
  describe('retry and cancel', () => {
    it('retries a stuck delegation as attempt 2 and fences the old attempt out', async () => {
      const h = await given();
      await running(h);
      h.clock.advance(THRESHOLD + 1);
      await h.sweeper.sweep();
      expect(await h.ledger.retry('d1')).toMatchObject({
        outcome: 'applied',
        event: { type: 'requeued', actor: 'operator', attempt: 2 },
        delegation: { status: 'queued', attempt: 2 },
      });
      expect(await h.ledger.heartbeat('d1', { attempt: 1 })).toMatchObject({
        outcome: 'refused',
        refusal: { reason: 'stale_attempt' },
        stop: true,
        reason: 'superseded',
        attempt: 2,
      });
      expect(await h.ledger.setStatus('d1', 'completed', { attempt: 1 })).toMatchObject({ outcome: 'refused', reason: 'stale_attempt' });
      expect(await h.ledger.setStatus('d1', 'dispatched', { attempt: 3 })).toMatchObject({ outcome: 'refused', reason: 'unknown_attempt' });
      expect(await h.ledger.setStatus('d1', 'dispatched', { attempt: 2 })).toMatchObject({ outcome: 'applied' });
    });

    it('refuses a retry of a running delegation and ignores one of a queued delegation', async () => {
      const h = await given();
      await create(h, 'queued');
      await running(h, 'running');
      expect(await h.ledger.retry('queued')).toMatchObject({ outcome: 'unchanged' });
      expect(await h.ledger.retry('running')).toMatchObject({ outcome: 'refused', reason: 'not_allowed' });
    });

    it('cancels with a reason once; a cancelled or completed delegation stays as it is', async () => {
      const h = await given();
      await running(h);
      expect(await h.ledger.cancel('d1', { reason: 'caller gave up' })).toMatchObject({
        outcome: 'applied',
        event: { type: 'cancelled', actor: 'operator' },
        delegation: { status: 'cancelled', errorDetail: 'caller gave up' },
      });
      expect(await h.ledger.cancel('d1', { reason: 'again' })).toMatchObject({ outcome: 'unchanged' });
      await running(h, 'done');
      await h.ledger.setStatus('done', 'completed');
      expect(await h.ledger.cancel('done')).toMatchObject({ outcome: 'refused', reason: 'terminal' });
    });
  });
}

function describeQueries(given: Given): void {
  describe('list and stats', () => {
    it('lists by status or group, newest first, up to the limit, and counts every status', async () => {
      const h = await given();
      for (const id of ['a', 'b', 'c', 'd']) {
        await create(h, id);
        h.clock.advance(SECOND);
      }
      await h.ledger.setStatus('b', 'dispatched');
      await h.ledger.setStatus('c', 'completed');
      await h.ledger.cancel('d');
      const ids = async (options: Parameters<LedgerHarness['ledger']['list']>[0]) => (await h.ledger.list(options)).map((d) => d.delegationId);
      // In flight unless told otherwise, as the CLI and HTTP list.
      expect(await ids({})).toEqual(['b', 'a']);
      expect(await ids({ status: 'all' })).toEqual(['d', 'c', 'b', 'a']);
      expect(await ids({ status: 'in_flight' })).toEqual(['b', 'a']);
      expect(await ids({ status: 'terminal' })).toEqual(['d', 'c']);
      expect(await ids({ status: 'dispatched' })).toEqual(['b']);
      expect(await ids({ status: 'all', limit: 3 })).toEqual(['d', 'c', 'b']);
      await expect(h.ledger.list({ limit: 1001 })).rejects.toMatchObject({ name: 'InvalidInputError', field: 'limit' });
      await expect(h.ledger.list({ limit: 0 })).rejects.toBeInstanceOf(InvalidInputError);
      // The filters and the keyset, as the service API's list passes them.
      const all = await h.ledger.list({ status: 'all' });
      const second = all[1] as (typeof all)[number];
      expect(await ids({ status: 'all', after: { createdAt: second.createdAt.toISOString(), delegationId: second.delegationId } })).toEqual(['b', 'a']);
      expect(await ids({ status: 'all', createdBefore: second.createdAt, createdAfter: (all[3] as (typeof all)[number]).createdAt })).toEqual(['b']);
      expect(await ids({ status: 'all', callerId: 'nobody' })).toEqual([]);
      for (const [options, field] of [
        [{ createdAfter: 'yesterday' }, 'createdAfter'],
        [{ createdBefore: Number.NaN }, 'createdBefore'],
        [{ callerId: '' }, 'callerId'],
        [{ calleeId: 42 }, 'calleeId'],
        [{ after: { createdAt: 'x', delegationId: 'a' } }, 'after.createdAt'],
        [{ after: { createdAt: new Date(0), delegationId: '' } }, 'after.delegationId'],
        [{ after: 'a' }, 'after'],
      ] as const) {
        await expect(h.ledger.list(options as never), field).rejects.toMatchObject({ name: 'InvalidInputError', field });
      }
      expect(await h.ledger.stats()).toEqual({
        queued: 1,
        dispatched: 1,
        in_progress: 0,
        input_required: 0,
        stuck: 0,
        completed: 1,
        failed: 0,
        cancelled: 1,
        rejected: 0,
      });
    });
  });
}

function describeSweeps(given: Given): void {
  describe('the sweeper', () => {
    it('marks the silent stuck and the late failed once, and a second sweep does nothing', async () => {
      const h = await given();
      const start = h.clock.now();
      await running(h, 'silent');
      await running(h, 'late', new Date(start.getTime() + THRESHOLD / 2));
      await running(h, 'beating');
      h.clock.advance(THRESHOLD);
      await h.ledger.heartbeat('beating');
      h.clock.advance(1);
      expect(await h.sweeper.sweep()).toEqual({ deadlineFailures: 1, stuckMarked: 1, requeued: 0, retriesExhausted: 0, errors: 0, scanned: 2, skipped: [] });
      expect(await h.sweeper.sweep()).toEqual({ deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0, errors: 0, scanned: 0, skipped: [] });
      expect(await h.ledger.get('silent')).toMatchObject({ status: 'stuck', errorDetail: 'no heartbeat for 600s' });
      expect(await h.ledger.get('late')).toMatchObject({ status: 'failed', errorDetail: 'deadline exceeded' });
      expect(await h.ledger.get('beating')).toMatchObject({ status: 'in_progress' });
      expect(await h.verify()).toEqual({ checked: 3, mismatches: [] });
    });

    it('holds the stale rule back for one threshold after start, never the deadline rule', async () => {
      const h = await given({ bootGraceMs: undefined });
      const start = h.clock.now();
      await running(h, 'silent');
      await running(h, 'late', new Date(start.getTime() + HOUR));
      h.clock.advance(HOUR + 1);
      await h.sweeper.start();
      await h.sweeper.stop();
      expect(h.sweeper.lastSweep?.result).toEqual({
        deadlineFailures: 1,
        stuckMarked: 0,
        requeued: 0,
        retriesExhausted: 0,
        errors: 0,
        scanned: 1,
        skipped: [],
      });
      h.clock.advance(THRESHOLD);
      expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 1 });
    });

    it('lets the agent win when it completes before the sweep; the sweeper then finds nothing', async () => {
      const h = await given();
      await running(h, 'd1', new Date(h.clock.now().getTime() + HOUR));
      h.clock.advance(HOUR);
      expect(await h.ledger.setStatus('d1', 'completed', { resultPreview: 'just in time' })).toMatchObject({ outcome: 'applied' });
      h.clock.advance(1);
      expect(await h.sweeper.sweep()).toMatchObject({ deadlineFailures: 0, scanned: 0 });
      expect(await h.ledger.get('d1')).toMatchObject({ status: 'completed', resultPreview: 'just in time' });
    });
  });
}
