import { describe, expect, it } from 'vitest';
import type { Delegation, SweepPolicy } from '../domain/index.js';
import type { DelegationStore, DueDelegation } from '../app/ports.js';
import { problemsOf } from '../app/verify.js';
import { apply, at, expectWellFormedStream, HOUR, MINUTE, running, seed, SECOND } from './streams.js';

const THRESHOLD = 10 * MINUTE;
const ACTIVE: SweepPolicy = { thresholdMs: THRESHOLD, staleRuleActive: true };
const GRACE: SweepPolicy = { thresholdMs: THRESHOLD, staleRuleActive: false };

const stale = (delegationId: string, silentForMs: number): DueDelegation => ({
  delegationId,
  verdict: { kind: 'stale_heartbeat', detail: `no heartbeat for ${Math.floor((silentForMs + 500) / 1000)}s`, silentForMs },
});
const late = (delegationId: string): DueDelegation => ({ delegationId, verdict: { kind: 'deadline_exceeded', detail: 'deadline exceeded' } });

async function due(store: DelegationStore, now: Date, policy = ACTIVE): Promise<DueDelegation[]> {
  return (await store.findDue(now, policy)).sort((a, b) => (a.delegationId < b.delegationId ? -1 : 1));
}

async function beat(store: DelegationStore, id: string, now: Date): Promise<void> {
  expect(await store.recordHeartbeats([{ delegationId: id, progress: null }], now)).toHaveLength(1);
}

/** findDue and sweep follow classifyDelegation under the sweep policy, on every store. */
export function describeSweepContract(given: () => Promise<DelegationStore>): void {
  describe('findDue', () => {
    it('finds a row past its deadline from the first millisecond after it, not at it', async () => {
      const store = await given();
      await running(store, { id: 'd1', deadline: at(HOUR) }, at(0), at(0));
      await beat(store, 'd1', at(HOUR - SECOND));
      expect(await due(store, at(HOUR))).toEqual([]);
      expect(await due(store, at(HOUR + 1))).toEqual([late('d1')]);
    });

    it('puts the deadline first when a row is both past it and silent', async () => {
      const store = await given();
      await running(store, { id: 'd1', deadline: at(HOUR) }, at(0), at(0));
      expect(await due(store, at(2 * HOUR))).toEqual([late('d1')]);
    });

    it('uses the per-delegation timeout when a row carries one, else the default', async () => {
      const store = await given();
      await running(store, { id: 'fast', heartbeatTimeoutMs: 30 * SECOND }, at(0), at(0));
      await running(store, { id: 'slow' }, at(0), at(0));
      await running(store, { id: 'patient', heartbeatTimeoutMs: HOUR }, at(0), at(0));
      for (const id of ['fast', 'slow', 'patient']) await beat(store, id, at(SECOND));
      expect(await due(store, at(SECOND + 30 * SECOND))).toEqual([]);
      expect(await due(store, at(SECOND + 30 * SECOND + 1))).toEqual([stale('fast', 30 * SECOND + 1)]);
      expect(await due(store, at(SECOND + THRESHOLD))).toEqual([stale('fast', THRESHOLD)]);
      expect(await due(store, at(SECOND + THRESHOLD + 1))).toEqual([stale('fast', THRESHOLD + 1), stale('slow', THRESHOLD + 1)]);
    });

    it('measures a never-beating agent from when it was dispatched or started', async () => {
      const store = await given();
      await seed(store, { id: 'dispatched' });
      await apply(store, 'dispatched', { type: 'Dispatch' }, at(MINUTE));
      await running(store, { id: 'started' }, at(0), at(2 * MINUTE));
      expect(await due(store, at(MINUTE + THRESHOLD))).toEqual([]);
      expect(await due(store, at(MINUTE + THRESHOLD + 1))).toEqual([stale('dispatched', THRESHOLD + 1)]);
      expect(await due(store, at(2 * MINUTE + THRESHOLD + 1))).toEqual([stale('dispatched', THRESHOLD + MINUTE + 1), stale('started', THRESHOLD + 1)]);
    });

    it('measures a recovered agent from its recovery when that is later than its last beat', async () => {
      const store = await given();
      await running(store, { id: 'd1' }, at(0), at(0));
      await beat(store, 'd1', at(SECOND));
      await apply(store, 'd1', { type: 'MarkStuck', detail: 'no heartbeat', silentForMs: null }, at(20 * MINUTE));
      await apply(store, 'd1', { type: 'Start' }, at(30 * MINUTE));
      expect(await due(store, at(30 * MINUTE + THRESHOLD))).toEqual([]);
      expect(await due(store, at(30 * MINUTE + THRESHOLD + 1))).toEqual([stale('d1', THRESHOLD + 1)]);
    });

    it('copes with a per-delegation timeout longer than any timestamp can reach back', async () => {
      const store = await given();
      await running(store, { id: 'forever', heartbeatTimeoutMs: Number.MAX_SAFE_INTEGER }, at(0), at(0));
      await running(store, { id: 'silent' }, at(0), at(0));
      expect(await due(store, at(THRESHOLD + 1))).toEqual([stale('silent', THRESHOLD + 1)]);
      expect(await store.sweep(at(THRESHOLD + 1), { thresholdMs: Number.MAX_SAFE_INTEGER, staleRuleActive: true }, 'sweeper')).toMatchObject({ scanned: 0 });
    });

    it('rounds the silence in the detail to the nearest second', async () => {
      const store = await given();
      await running(store, { id: 'down', heartbeatTimeoutMs: 1000 }, at(0), at(0));
      await running(store, { id: 'up', heartbeatTimeoutMs: 1000 }, at(0), at(1));
      expect(await due(store, at(1500))).toEqual([stale('down', 1500), stale('up', 1499)]);
      expect((await due(store, at(1500))).map((d) => d.verdict.kind === 'stale_heartbeat' && d.verdict.detail)).toEqual([
        'no heartbeat for 2s',
        'no heartbeat for 1s',
      ]);
    });

    it('holds the stale rule back when the policy says so, never the deadline rule', async () => {
      const store = await given();
      await running(store, { id: 'silent' }, at(0), at(0));
      await running(store, { id: 'late', deadline: at(HOUR) }, at(0), at(0));
      expect(await due(store, at(HOUR + 1), GRACE)).toEqual([late('late')]);
      expect(await due(store, at(HOUR + 1))).toEqual([late('late'), stale('silent', HOUR + 1)]);
    });

    it('skips rows already stuck, unless their deadline passed', async () => {
      const store = await given();
      for (const id of ['stuck', 'stuck-late']) {
        await running(store, { id, deadline: id === 'stuck' ? at(10 * HOUR) : at(HOUR) }, at(0), at(0));
        await apply(store, id, { type: 'MarkStuck', detail: 'no heartbeat for 601s', silentForMs: 601_000 }, at(THRESHOLD + SECOND));
      }
      expect(await due(store, at(HOUR))).toEqual([]);
      expect(await due(store, at(HOUR + 1))).toEqual([late('stuck-late')]);
    });

    it('judges queued rows by their deadline only', async () => {
      const store = await given();
      await seed(store, { id: 'queued', deadline: at(6 * HOUR) });
      expect(await due(store, at(6 * HOUR))).toEqual([]);
      expect(await due(store, at(6 * HOUR + 1))).toEqual([late('queued')]);
    });

    it('never finds a terminal row', async () => {
      const store = await given();
      await running(store, { id: 'done', deadline: at(HOUR) }, at(0), at(0));
      await apply(store, 'done', { type: 'Complete', result: 'ok' }, at(SECOND));
      await seed(store, { id: 'cancelled', deadline: at(HOUR) });
      await apply(store, 'cancelled', { type: 'Cancel', reason: null, actor: 'operator' }, at(SECOND));
      expect(await due(store, at(100 * HOUR))).toEqual([]);
    });
  });

  describe('sweep', () => {
    async function scene(store: DelegationStore) {
      await running(store, { id: 'late', deadline: at(HOUR) }, at(0), at(0));
      await beat(store, 'late', at(HOUR - 1));
      await seed(store, { id: 'queued-late', deadline: at(HOUR) });
      await running(store, { id: 'silent', deadline: at(10 * HOUR) }, at(0), at(0));
      await beat(store, 'silent', at(30 * MINUTE));
      await running(store, { id: 'healthy', deadline: at(10 * HOUR) }, at(0), at(0));
      await beat(store, 'healthy', at(HOUR));
      await running(store, { id: 'done', deadline: at(HOUR) }, at(0), at(0));
      await apply(store, 'done', { type: 'Complete', result: 'ok' }, at(MINUTE));
    }
    const NOW = at(HOUR + 5 * MINUTE);

    it('applies exactly what findDue reports: one event per row, contiguous versions, rows equal to their folds', async () => {
      const store = await given();
      await scene(store);
      const expected = await due(store, NOW);
      expect(expected.map((d) => d.delegationId)).toEqual(['late', 'queued-late', 'silent']);
      const before = new Map(
        (await Promise.all(['late', 'queued-late', 'silent', 'healthy', 'done'].map((id) => store.load(id)))).map((d) => [d?.delegationId, d as Delegation]),
      );
      const tally = await store.sweep(NOW, ACTIVE, 'sweeper');
      expect(tally).toMatchObject({ deadlineFailures: 2, stuckMarked: 1, scanned: 3 });
      expect(tally.events.map((event) => event.delegationId).sort()).toEqual(['late', 'queued-late', 'silent']);
      for (const event of tally.events) {
        const previous = before.get(event.delegationId) as Delegation;
        expect(event).toMatchObject({
          actor: 'sweeper',
          occurredAt: NOW,
          version: previous.version + 1,
          attempt: previous.attempt,
          fromStatus: previous.status,
        });
      }
      expect(tally.events.find((e) => e.delegationId === 'late')).toMatchObject({ type: 'failed', toStatus: 'failed', data: { error: 'deadline exceeded' } });
      expect(tally.events.find((e) => e.delegationId === 'silent')).toMatchObject({
        type: 'marked_stuck',
        toStatus: 'stuck',
        data: { detail: 'no heartbeat for 2100s', silentForMs: 35 * MINUTE },
      });
      expect(await store.load('late')).toMatchObject({ status: 'failed', errorDetail: 'deadline exceeded', updatedAt: NOW, lastHeartbeat: at(HOUR - 1) });
      expect(await store.load('silent')).toMatchObject({ status: 'stuck', errorDetail: 'no heartbeat for 2100s', updatedAt: NOW });
      expect(await store.load('healthy')).toEqual(before.get('healthy'));
      expect(await store.load('done')).toEqual(before.get('done'));
      for (const id of before.keys()) {
        const events = await store.history(id as string);
        expectWellFormedStream(events);
        expect(problemsOf({ delegation: (await store.load(id as string)) as Delegation, events })).toEqual([]);
      }
    });

    it('writes nothing on a second sweep at the same moment', async () => {
      const store = await given();
      await scene(store);
      await store.sweep(NOW, ACTIVE, 'sweeper');
      const histories = await Promise.all(['late', 'silent'].map((id) => store.history(id)));
      expect(await store.sweep(NOW, ACTIVE, 'sweeper')).toEqual({
        deadlineFailures: 0,
        stuckMarked: 0,
        requeued: 0,
        retriesExhausted: 0,
        scanned: 0,
        events: [],
        more: false,
      });
      expect(await Promise.all(['late', 'silent'].map((id) => store.history(id)))).toEqual(histories);
    });

    it('under boot grace moves only rows past their deadline', async () => {
      const store = await given();
      await scene(store);
      const tally = await store.sweep(NOW, GRACE, 'sweeper');
      expect(tally).toMatchObject({ deadlineFailures: 2, stuckMarked: 0, scanned: 2 });
      expect(await store.load('silent')).toMatchObject({ status: 'in_progress' });
    });

    it('moves only the due rows of its scope: those named in `only`, or all but those in `exclude`', async () => {
      const store = await given();
      await scene(store);
      const only = await store.sweep(NOW, ACTIVE, 'sweeper', { only: ['silent', 'healthy', 'missing'] });
      expect(only).toMatchObject({ deadlineFailures: 0, stuckMarked: 1, scanned: 1, more: false });
      expect(only.events.map((event) => event.delegationId)).toEqual(['silent']);
      const rest = await store.sweep(NOW, ACTIVE, 'sweeper', { exclude: ['late'] });
      expect(rest.events.map((event) => event.delegationId)).toEqual(['queued-late']);
      expect(await store.load('late')).toMatchObject({ status: 'in_progress' });
      expect((await store.sweep(NOW, ACTIVE, 'sweeper')).events.map((event) => event.delegationId)).toEqual(['late']);
    });

    it('leaves alone a row that completed after findDue saw it due', async () => {
      const store = await given();
      await scene(store);
      expect((await due(store, NOW)).map((d) => d.delegationId)).toContain('silent');
      await apply(store, 'silent', { type: 'Complete', result: 'made it' }, NOW);
      const tally = await store.sweep(NOW, ACTIVE, 'sweeper');
      expect(tally.events.map((event) => event.delegationId)).not.toContain('silent');
      expect(await store.load('silent')).toMatchObject({ status: 'completed', resultPreview: 'made it' });
      expect((await store.history('silent')).filter((event) => event.type === 'completed' || event.type === 'failed')).toHaveLength(1);
    });
  });
}
