import { describe, expect, it } from 'vitest';
import { StoreClosedError } from '../app/subscriptions-api.js';
import { DelegationNotFoundError, WaitTimeoutError, type Delegation } from '../domain/index.js';
import { recordingLogger, type LogLine } from './fixtures.js';
import type { LedgerHarness, LedgerHarnessFactory } from './harness.js';
import { givenHarnesses, noCheck, type Given } from './given.js';

const SECOND = 1000;

/**
 * ledger.waitFor on every store: at once when already there, woken by the event feed when
 * not, `until`, its timeout on the ledger's timers (the virtual clock's here), its signal,
 * many waiters on one reader, and what closing the store does to them.
 */
export function describeWaitForContract(name: string, factory: LedgerHarnessFactory): void {
  describe(`waitFor contract: ${name}`, () => {
    const given = givenHarnesses(factory, { bootGraceMs: 0 }, noCheck);

    describeArrival(given);
    describeGivingUp(given);
    describeSharing(given);
    describeInput(given);
    describeClosing(factory);
  });
}

async function running(h: LedgerHarness, id = 'd1'): Promise<void> {
  await h.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'summarise the report', delegationId: id });
  await h.ledger.setStatus(id, 'dispatched');
  await h.ledger.setStatus(id, 'in_progress');
}

/** A promise's state after the ledger had a few turns to settle it. */
async function stateOf(promise: Promise<unknown>, turns = 20): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => {
      state = 'resolved';
    },
    () => {
      state = 'rejected';
    },
  );
  for (let turn = 0; turn < turns && state === 'pending'; turn += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  return state;
}

function describeArrival(given: Given): void {
  describe('arrival', () => {
    it('resolves at once with a delegation that is already terminal, before any time passes', async () => {
      const h = await given();
      await running(h);
      await h.ledger.setStatus('d1', 'completed', { resultPreview: 'the summary' });
      const done = await h.ledger.waitFor('d1', { timeoutMs: SECOND });
      expect(done).toMatchObject({ delegationId: 'd1', status: 'completed', resultPreview: 'the summary' });
      expect(done).toEqual(await h.ledger.get('d1'));
    });

    it('waits while the delegation runs and resolves when it completes', async () => {
      const h = await given();
      await running(h);
      const waiting = h.ledger.waitFor('d1');
      expect(await stateOf(waiting)).toBe('pending');
      await h.ledger.heartbeat('d1', { progress: 3 });
      expect(await stateOf(waiting)).toBe('pending');
      await h.ledger.setStatus('d1', 'completed', { resultPreview: 'the summary' });
      expect(await waiting).toMatchObject({ status: 'completed', resultPreview: 'the summary', version: 4 });
    });

    it('resolves on every terminal status: failed by the sweeper at the deadline, cancelled, rejected', async () => {
      const h = await given();
      await h.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: 'late', deadline: new Date(h.clock.now().getTime() + SECOND) });
      await running(h, 'cancel-me');
      await running(h, 'decline-me');
      const waits = ['late', 'cancel-me', 'decline-me'].map((id) => h.ledger.waitFor(id));
      h.clock.advance(2 * SECOND);
      await h.sweeper.sweep();
      await h.ledger.cancel('cancel-me', { reason: 'no longer needed' });
      await h.ledger.reject('decline-me', { reason: 'not my kind of task' });
      expect((await Promise.all(waits)).map((d) => [d.delegationId, d.status, d.errorDetail])).toEqual([
        ['late', 'failed', 'deadline exceeded'],
        ['cancel-me', 'cancelled', 'no longer needed'],
        ['decline-me', 'rejected', 'not my kind of task'],
      ]);
    });

    it('rejects with DelegationNotFoundError for an id with no delegation', async () => {
      const h = await given();
      const missing = h.ledger.waitFor('nobody');
      await expect(missing).rejects.toBeInstanceOf(DelegationNotFoundError);
      await expect(missing).rejects.toMatchObject({ delegationId: 'nobody' });
    });
  });
}

function describeGivingUp(given: Given): void {
  describe('timeout and signal', () => {
    it('rejects with WaitTimeoutError once timeoutMs passed on the ledger clock, and not before', async () => {
      const h = await given();
      await running(h);
      const waiting = h.ledger.waitFor('d1', { timeoutMs: 5 * SECOND });
      h.clock.advance(5 * SECOND - 1);
      expect(await stateOf(waiting)).toBe('pending');
      h.clock.advance(1);
      await expect(waiting).rejects.toBeInstanceOf(WaitTimeoutError);
      await expect(waiting).rejects.toMatchObject({ delegationId: 'd1', timeoutMs: 5 * SECOND });
    });

    it('rejects with the signal reason when it aborts, and at once when it already had', async () => {
      const h = await given();
      await running(h);
      const controller = new AbortController();
      const waiting = h.ledger.waitFor('d1', { signal: controller.signal });
      expect(await stateOf(waiting)).toBe('pending');
      const reason = new Error('the caller gave up');
      controller.abort(reason);
      await expect(waiting).rejects.toBe(reason);
      await expect(h.ledger.waitFor('d1', { signal: AbortSignal.abort('too late') })).rejects.toBe('too late');
    });

    it('refuses bad input naming the field, and waits on nothing', async () => {
      const h = await given();
      await running(h);
      const cases: [string, () => Promise<Delegation>][] = [
        ['delegationId', () => h.ledger.waitFor('')],
        ['delegationId', () => h.ledger.waitFor(42 as unknown as string)],
        ['options', () => h.ledger.waitFor('d1', 'soon' as never)],
        ['until', () => h.ledger.waitFor('d1', { until: ['done' as never] })],
        ['until', () => h.ledger.waitFor('d1', { until: 'input_required' as never })],
        ['timeoutMs', () => h.ledger.waitFor('d1', { timeoutMs: 0 })],
        ['timeoutMs', () => h.ledger.waitFor('d1', { timeoutMs: -1 })],
        ['timeoutMs', () => h.ledger.waitFor('d1', { timeoutMs: 1.5 })],
        ['timeoutMs', () => h.ledger.waitFor('d1', { timeoutMs: 2 ** 31 })],
        ['signal', () => h.ledger.waitFor('d1', { signal: { aborted: false } as never })],
      ];
      for (const [field, call] of cases) await expect(call(), field).rejects.toMatchObject({ name: 'InvalidInputError', field });
      expect(h.clock.pendingTimers).toBe(0);
    });
  });
}

const readerStarts = (lines: LogLine[]) =>
  lines.filter((l) => l.message === 'subscription started' && String(l.fields.subscription).startsWith('delegations.waitFor'));
const readerStops = (lines: LogLine[]) =>
  lines.filter((l) => l.message === 'subscription stopped' && String(l.fields.subscription).startsWith('delegations.waitFor'));

function describeSharing(given: Given): void {
  describe('one reader', () => {
    it('settles many waiters on one delegation, with and without until, from one reader', async () => {
      const logger = recordingLogger();
      const h = await given({ logger });
      await running(h);
      const waits = Array.from({ length: 50 }, (_, i) => h.ledger.waitFor('d1', i % 2 === 0 ? {} : { until: ['input_required'], timeoutMs: 60 * SECOND }));
      expect(await stateOf(Promise.race(waits))).toBe('pending');
      await h.ledger.setStatus('d1', 'completed', { resultPreview: 'done' });
      const settled = await Promise.all(waits);
      expect(new Set(settled.map((d) => `${d.status}:${d.resultPreview}`))).toEqual(new Set(['completed:done']));
      expect(readerStarts(logger.lines)).toHaveLength(1);
      expect(h.clock.pendingTimers).toBe(0);
    });

    it('stops reading when the last waiter leaves, and starts again for the next one', async () => {
      const logger = recordingLogger();
      const h = await given({ logger });
      await running(h, 'a');
      await running(h, 'b');
      const [a, b] = [h.ledger.waitFor('a'), h.ledger.waitFor('b', { timeoutMs: SECOND })];
      await h.ledger.setStatus('a', 'completed');
      await a;
      expect(readerStops(logger.lines)).toHaveLength(0);
      h.clock.advance(SECOND);
      await expect(b).rejects.toBeInstanceOf(WaitTimeoutError);
      await expect.poll(() => readerStops(logger.lines).length).toBe(1);
      const again = h.ledger.waitFor('b');
      await h.ledger.setStatus('b', 'failed', { errorDetail: 'boom' });
      expect(await again).toMatchObject({ status: 'failed', errorDetail: 'boom' });
      expect(readerStarts(logger.lines)).toHaveLength(2);
    });
  });
}

function describeInput(given: Given): void {
  describe('until', () => {
    it("resolves on input_required when asked to, with the agent's question", async () => {
      const h = await given();
      await running(h);
      const asked = h.ledger.waitFor('d1', { until: ['input_required'] });
      const finished = h.ledger.waitFor('d1');
      expect(await stateOf(asked)).toBe('pending');
      await h.ledger.requestInput('d1', { question: 'which quarter?' });
      expect(await asked).toMatchObject({ status: 'input_required', errorDetail: 'which quarter?' });
      expect(await stateOf(finished)).toBe('pending');
      await h.ledger.resume('d1', { answer: 'Q3' });
      await h.ledger.setStatus('d1', 'completed');
      expect(await finished).toMatchObject({ status: 'completed' });
      // Already there: at once.
      expect(await h.ledger.waitFor('d1', { until: ['input_required'] })).toMatchObject({ status: 'completed' });
    });
  });
}

function describeClosing(factory: LedgerHarnessFactory): void {
  describe('closing the store', () => {
    it('rejects pending waiters with StoreClosedError, and any waitFor after it', async () => {
      const h = await factory({ bootGraceMs: 0 });
      await running(h);
      const waits = [h.ledger.waitFor('d1'), h.ledger.waitFor('d1', { timeoutMs: 60 * SECOND })];
      expect(await stateOf(Promise.race(waits))).toBe('pending');
      await h.close();
      for (const waiting of waits) await expect(waiting).rejects.toBeInstanceOf(StoreClosedError);
      await expect(h.ledger.waitFor('d1')).rejects.toBeInstanceOf(StoreClosedError);
      expect(h.clock.pendingTimers).toBe(0);
    });
  });
}
