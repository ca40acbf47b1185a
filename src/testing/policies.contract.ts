import { describe, expect, it } from 'vitest';
import { InvalidInputError, type RetryPolicy } from '../domain/index.js';
import type { LedgerHarness, LedgerHarnessFactory } from './harness.js';
import { givenHarnesses, type Given } from './given.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const THRESHOLD = 10 * MINUTE;
// Jitter 0: every availableAt is exact, so each store must produce the same instant.
const RETRY: RetryPolicy = {
  maxAttempts: 2,
  initialDelayMs: 30 * SECOND,
  backoffFactor: 2,
  maxDelayMs: 10 * MINUTE,
  jitter: 0,
  requeueStuckAfterMs: 5 * MINUTE,
};

/**
 * The agent's and the caller's side (the heartbeat answer, claims) and the policies (retries,
 * grace only after an outage, input_required and rejected), as a host drives them, on every store.
 */
export function describePolicyContract(name: string, factory: LedgerHarnessFactory): void {
  describe(`Policy contract: ${name}`, () => {
    const given = givenHarnesses(factory, { stuckThresholdMs: THRESHOLD, bootGraceMs: 0 });

    describeHeartbeatAnswer(given);
    describeClaims(given);
    describeRetries(given);
    describeInputAndRejection(given);
    describeGrace(given);
  });
}

const create = (h: LedgerHarness, delegationId: string, extra: { calleeId?: string; retry?: Partial<RetryPolicy> | null; deadline?: Date } = {}) =>
  h.ledger.create({ callerId: 'caller', calleeId: 'agent', task: `task ${delegationId}`, delegationId, ...extra });

async function running(h: LedgerHarness, id: string, extra: Parameters<typeof create>[2] = {}) {
  await create(h, id, extra);
  await h.ledger.setStatus(id, 'in_progress');
}

function describeHeartbeatAnswer(given: Given): void {
  describe('the heartbeat answer', () => {
    it('tells a running agent to go on, with its deadline and attempt', async () => {
      const h = await given();
      const deadline = new Date(h.clock.now().getTime() + HOUR);
      await running(h, 'd1', { deadline });
      expect(await h.ledger.heartbeat('d1', { attempt: 1 })).toMatchObject({
        outcome: 'recorded',
        stop: false,
        reason: null,
        deadline,
        attempt: 1,
        status: 'in_progress',
      });
    });

    it.each(['completed', 'failed', 'cancelled', 'rejected'] as const)('tells the agent of a %s delegation to stop, naming the status', async (status) => {
      const h = await given();
      await running(h, 'd1');
      await h.ledger.setStatus('d1', status);
      expect(await h.ledger.heartbeat('d1', { attempt: 1 })).toMatchObject({ stop: true, reason: status, status, attempt: 1, refusal: { reason: 'terminal' } });
    });

    it('tells a superseded attempt, an unknown attempt and an unknown delegation to stop', async () => {
      const h = await given({ retry: RETRY });
      await running(h, 'd1');
      await h.ledger.setStatus('d1', 'failed', { retryable: true, errorDetail: 'boom' });
      expect(await h.ledger.heartbeat('d1', { attempt: 1 })).toMatchObject({ stop: true, reason: 'superseded', attempt: 2 });
      expect(await h.ledger.heartbeat('d1', { attempt: 3 })).toMatchObject({ stop: true, reason: 'unknown_attempt', attempt: 2 });
      expect(await h.ledger.heartbeat('nobody')).toEqual({
        outcome: 'not_found',
        stop: true,
        reason: 'not_found',
        heartbeatTimeoutMs: null,
        delegation: null,
        status: null,
        deadline: null,
        attempt: null,
      });
    });

    it('tells an agent that starts a requeued attempt before its backoff to stop, and lets it start after', async () => {
      const h = await given({ retry: RETRY });
      await running(h, 'd1');
      await h.ledger.setStatus('d1', 'failed', { retryable: true });
      expect(await h.ledger.heartbeat('d1', { attempt: 2 })).toMatchObject({ stop: true, reason: 'not_available', status: 'queued' });
      h.clock.advance(RETRY.initialDelayMs);
      expect(await h.ledger.heartbeat('d1', { attempt: 2 })).toMatchObject({ outcome: 'applied', stop: false, status: 'in_progress', attempt: 2 });
    });

    it('fences a batch of beats that name their attempts: the superseded one is told to stop, the current one recorded', async () => {
      const h = await given({ retry: RETRY });
      await running(h, 'old');
      await h.ledger.setStatus('old', 'failed', { retryable: true });
      h.clock.advance(RETRY.initialDelayMs);
      await running(h, 'current');
      const [superseded, current, unfenced] = await h.ledger.heartbeatMany([
        { delegationId: 'old', attempt: 1 },
        { delegationId: 'current', attempt: 1 },
        'current',
      ]);
      expect(superseded).toMatchObject({ stop: true, reason: 'superseded', attempt: 2, status: 'queued' });
      expect(current).toMatchObject({ outcome: 'recorded', stop: false, attempt: 1 });
      expect(unfenced).toMatchObject({ outcome: 'recorded', stop: false });
      // The superseded beat started nothing: attempt 2 waits for its own agent.
      expect(await h.ledger.get('old')).toMatchObject({ status: 'queued', attempt: 2 });
      await expect(h.ledger.heartbeatMany([{ delegationId: 'current', attempt: 0 }])).rejects.toMatchObject({ name: 'InvalidInputError', field: 'attempt' });
      await expect(h.ledger.heartbeatMany([7 as never])).rejects.toMatchObject({ name: 'InvalidInputError', field: 'delegationIds' });
    });

    it('lets an agent waiting for input beat without changing anything', async () => {
      const h = await given();
      await running(h, 'd1');
      await h.ledger.requestInput('d1', { question: 'which quarter?' });
      const before = await h.ledger.get('d1');
      expect(await h.ledger.heartbeat('d1', { attempt: 1 })).toMatchObject({ outcome: 'unchanged', stop: false, status: 'input_required' });
      expect(await h.ledger.get('d1')).toEqual(before);
    });
  });
}

function describeClaims(given: Given): void {
  describe('claims', () => {
    it('dispatches the oldest queued delegations of that callee, up to the limit, with one event each', async () => {
      const h = await given();
      for (const id of ['c1', 'c2', 'c3']) {
        await create(h, id);
        h.clock.advance(SECOND);
      }
      await create(h, 'other', { calleeId: 'someone-else' });
      const claimed = await h.ledger.claim({ calleeId: 'agent', limit: 2, actor: 'worker-1' });
      expect(claimed.map((d) => [d.delegationId, d.status])).toEqual([
        ['c1', 'dispatched'],
        ['c2', 'dispatched'],
      ]);
      const events = await h.ledger.history('c1');
      expect(events.map((e) => [e.type, e.actor])).toEqual([
        ['created', 'caller'],
        ['dispatched', 'worker-1'],
      ]);
      expect((await h.ledger.claim({ calleeId: 'agent', limit: 5 })).map((d) => d.delegationId)).toEqual(['c3']);
      expect(await h.ledger.claim({ calleeId: 'agent', limit: 5 })).toEqual([]);
      expect((await h.ledger.get('other'))?.status).toBe('queued');
    });

    it('skips a requeued attempt in its backoff and one past its deadline, and claims the first once its backoff ends', async () => {
      const h = await given({ retry: RETRY });
      await running(h, 'backoff');
      await h.ledger.setStatus('backoff', 'failed', { retryable: true });
      await create(h, 'late', { deadline: new Date(h.clock.now().getTime() + SECOND) });
      h.clock.advance(2 * SECOND);
      expect(await h.ledger.claim({ calleeId: 'agent', limit: 10 })).toEqual([]);
      await expect(h.ledger.setStatus('backoff', 'dispatched')).resolves.toMatchObject({ outcome: 'refused', reason: 'not_available' });
      h.clock.advance(RETRY.initialDelayMs);
      expect(await h.ledger.claim({ calleeId: 'agent', limit: 10 })).toMatchObject([{ delegationId: 'backoff', attempt: 2, status: 'dispatched' }]);
    });

    it('refuses a claim without a callee, or with a limit out of range, naming the field', async () => {
      const h = await given();
      await create(h, 'c1');
      await expect(h.ledger.claim({ calleeId: '' })).rejects.toMatchObject({ name: 'InvalidInputError', field: 'calleeId' });
      await expect(h.ledger.claim({ calleeId: 'agent', limit: 0 })).rejects.toMatchObject({ name: 'InvalidInputError', field: 'limit' });
      await expect(h.ledger.claim({ calleeId: 'agent', limit: 1001 })).rejects.toMatchObject({ name: 'InvalidInputError', field: 'limit' });
      await expect(h.ledger.claim(null as never)).rejects.toBeInstanceOf(InvalidInputError);
      expect((await h.ledger.get('c1'))?.status).toBe('queued');
    });
  });
}

function describeRetries(given: Given): void {
  describe('the retry policy', () => {
    it('requeues a retryable failure after its backoff, and fails it naming the attempts once they are spent', async () => {
      const h = await given({ retry: RETRY });
      await running(h, 'd1');
      const failedAt = h.clock.now();
      const first = await h.ledger.setStatus('d1', 'failed', { retryable: true, errorDetail: 'rate limited', attempt: 1 });
      const availableAt = new Date(failedAt.getTime() + RETRY.initialDelayMs);
      expect(first).toMatchObject({
        outcome: 'applied',
        delegation: { status: 'queued', attempt: 2, availableAt },
        event: {
          type: 'requeued',
          attempt: 2,
          fromStatus: 'in_progress',
          data: { reason: 'agent_failure', availableAt: availableAt.toISOString(), error: 'rate limited' },
        },
      });
      h.clock.advance(RETRY.initialDelayMs);
      await h.ledger.setStatus('d1', 'in_progress', { attempt: 2 });
      expect(await h.ledger.setStatus('d1', 'failed', { retryable: true, errorDetail: 'rate limited again', attempt: 2 })).toMatchObject({
        delegation: { status: 'failed', attempt: 2, errorDetail: 'gave up after 2 attempts: rate limited again' },
      });
    });

    it('fails a retryable failure outright without a policy, or once the deadline passed', async () => {
      const h = await given();
      await running(h, 'plain');
      expect(await h.ledger.setStatus('plain', 'failed', { retryable: true, errorDetail: 'boom' })).toMatchObject({
        delegation: { status: 'failed', errorDetail: 'boom' },
      });
      await running(h, 'late', { retry: RETRY, deadline: new Date(h.clock.now().getTime() + MINUTE) });
      // The sweeper has not run yet: the deadline still wins over the retry.
      h.clock.advance(2 * MINUTE);
      expect(await h.ledger.setStatus('late', 'failed', { retryable: true, errorDetail: 'boom' })).toMatchObject({
        delegation: { status: 'failed', attempt: 1 },
      });
    });

    it("refuses an operator's retry past the deadline: the deadline is the whole budget", async () => {
      const h = await given();
      await running(h, 'd1', { deadline: new Date(h.clock.now().getTime() + HOUR) });
      await h.ledger.setStatus('d1', 'stuck');
      h.clock.advance(HOUR + SECOND);
      expect(await h.ledger.retry('d1')).toMatchObject({ outcome: 'refused', reason: 'not_allowed', delegation: { status: 'stuck', attempt: 1 } });
      expect(await h.sweeper.sweep()).toMatchObject({ deadlineFailures: 1 });
    });

    it('takes the policy given at create over the configured one, and none when given null', async () => {
      const h = await given({ retry: { maxAttempts: 5 } });
      expect((await create(h, 'default')).retry).toMatchObject({ maxAttempts: 5 });
      expect((await create(h, 'own', { retry: { maxAttempts: 2, jitter: 0 } })).retry).toEqual({ ...defaultsWith({ maxAttempts: 2, jitter: 0 }) });
      expect((await create(h, 'none', { retry: null })).retry).toBeNull();
      expect((await h.ledger.get('own'))?.retry).toMatchObject({ maxAttempts: 2, jitter: 0 });
    });

    it('refuses a policy with a bad field, naming it, and writes nothing', async () => {
      const h = await given();
      const bad: [Record<string, unknown>, string][] = [
        [{ maxAttempts: 0 }, 'retry.maxAttempts'],
        [{ maxAttempts: 1.5 }, 'retry.maxAttempts'],
        [{ initialDelayMs: -1 }, 'retry.initialDelayMs'],
        [{ initialDelayMs: 2000, maxDelayMs: 1000 }, 'retry.maxDelayMs'],
        [{ backoffFactor: 0.5 }, 'retry.backoffFactor'],
        [{ jitter: 2 }, 'retry.jitter'],
        [{ requeueStuckAfterMs: 'soon' }, 'retry.requeueStuckAfterMs'],
        [{ maxAttempt: 3 }, 'retry.maxAttempt'],
      ];
      for (const [retry, field] of bad) {
        await expect(create(h, 'bad', { retry: retry as Partial<RetryPolicy> })).rejects.toMatchObject({ name: 'InvalidInputError', field });
      }
      expect(await h.ledger.get('bad')).toBeNull();
    });

    it('requeues a delegation stuck past requeueStuckAfterMs, and gives it up when the attempts are spent', async () => {
      const h = await given({ retry: RETRY });
      await running(h, 'd1');
      h.clock.advance(THRESHOLD + SECOND);
      expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 1, requeued: 0 });
      h.clock.advance(RETRY.requeueStuckAfterMs as number);
      const requeuedAt = h.clock.now();
      expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 0, requeued: 1, retriesExhausted: 0 });
      const events = await h.ledger.history('d1');
      expect(events.at(-1)).toMatchObject({
        type: 'requeued',
        attempt: 2,
        fromStatus: 'stuck',
        actor: 'sweeper',
        data: { reason: 'stuck', availableAt: new Date(requeuedAt.getTime() + RETRY.initialDelayMs).toISOString(), error: 'no heartbeat for 601s' },
      });
      h.clock.advance(RETRY.initialDelayMs);
      expect(await h.ledger.claim({ calleeId: 'agent' })).toMatchObject([{ delegationId: 'd1', attempt: 2 }]);
      await h.ledger.setStatus('d1', 'in_progress', { attempt: 2 });
      h.clock.advance(THRESHOLD + SECOND);
      await h.sweeper.sweep();
      h.clock.advance(RETRY.requeueStuckAfterMs as number);
      expect(await h.sweeper.sweep()).toMatchObject({ requeued: 0, retriesExhausted: 1 });
      expect(await h.ledger.get('d1')).toMatchObject({ status: 'failed', attempt: 2, errorDetail: 'gave up after 2 attempts: no heartbeat for 601s' });
    });

    it('leaves a stuck delegation to its agent within requeueStuckAfterMs: a beat recovers it', async () => {
      const h = await given({ retry: RETRY });
      await running(h, 'd1');
      h.clock.advance(THRESHOLD + SECOND);
      await h.sweeper.sweep();
      h.clock.advance((RETRY.requeueStuckAfterMs as number) - SECOND);
      expect(await h.sweeper.sweep()).toMatchObject({ requeued: 0 });
      expect(await h.ledger.heartbeat('d1', { attempt: 1 })).toMatchObject({ outcome: 'applied', stop: false, event: { type: 'recovered' } });
    });
  });
}

function defaultsWith(fields: Partial<RetryPolicy>): RetryPolicy {
  return { maxAttempts: 3, initialDelayMs: 1000, backoffFactor: 2, maxDelayMs: 300_000, jitter: 0.2, requeueStuckAfterMs: 60_000, ...fields };
}

function describeInputAndRejection(given: Given): void {
  describe('input_required and rejected', () => {
    it('parks an agent on its question, never marks it stuck, and resumes it with the answer', async () => {
      const h = await given();
      await running(h, 'd1');
      expect(await h.ledger.requestInput('d1', { question: 'which quarter?', attempt: 1 })).toMatchObject({
        outcome: 'applied',
        delegation: { status: 'input_required', errorDetail: 'which quarter?' },
        event: { type: 'input_requested', data: { question: 'which quarter?' } },
      });
      h.clock.advance(3 * THRESHOLD);
      expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 0 });
      const resumed = await h.ledger.resume('d1', { answer: 'Q3' });
      expect(resumed).toMatchObject({
        outcome: 'applied',
        delegation: { status: 'in_progress', errorDetail: null },
        event: { type: 'resumed', actor: 'caller', data: { answer: 'Q3' } },
      });
      // The answer restarts the liveness clock: a full threshold before the sweeper looks again.
      expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 0 });
      expect(await h.ledger.resume('d1', { answer: 'Q3' })).toMatchObject({ outcome: 'unchanged' });
    });

    it('fails a delegation waiting for input at its deadline', async () => {
      const h = await given();
      await running(h, 'd1', { deadline: new Date(h.clock.now().getTime() + HOUR) });
      await h.ledger.requestInput('d1', { question: 'which quarter?' });
      h.clock.advance(HOUR + SECOND);
      expect(await h.sweeper.sweep()).toMatchObject({ deadlineFailures: 1 });
      expect((await h.ledger.get('d1'))?.status).toBe('failed');
    });

    it('refuses a resume of a delegation not waiting, an agent restarting itself from input_required, and a question from a queued one', async () => {
      const h = await given();
      await create(h, 'queued');
      expect(await h.ledger.resume('queued', { answer: 'x' })).toMatchObject({ outcome: 'refused', reason: 'not_allowed' });
      expect(await h.ledger.requestInput('queued', { question: 'x' })).toMatchObject({ outcome: 'refused', reason: 'not_allowed' });
      await running(h, 'waiting');
      await h.ledger.requestInput('waiting', { question: 'x' });
      expect(await h.ledger.setStatus('waiting', 'in_progress')).toMatchObject({ outcome: 'refused', reason: 'not_allowed' });
      await expect(h.ledger.requestInput('waiting', { question: 7 as never })).rejects.toMatchObject({ name: 'InvalidInputError', field: 'question' });
    });

    it('lets an agent decline from dispatched or in_progress, never from queued, and keeps it terminal', async () => {
      const h = await given();
      await create(h, 'd1');
      expect(await h.ledger.reject('d1', { reason: 'not mine' })).toMatchObject({ outcome: 'refused', reason: 'not_allowed' });
      await h.ledger.setStatus('d1', 'dispatched');
      expect(await h.ledger.reject('d1', { reason: 'not mine' })).toMatchObject({
        outcome: 'applied',
        delegation: { status: 'rejected', errorDetail: 'not mine' },
        event: { type: 'rejected', data: { reason: 'not mine' } },
      });
      expect(await h.ledger.setStatus('d1', 'in_progress')).toMatchObject({ outcome: 'refused', reason: 'terminal' });
      expect(await h.ledger.list({ status: 'terminal' })).toMatchObject([{ delegationId: 'd1' }]);
    });
  });
}

function describeGrace(given: Given): void {
  describe('grace only after an outage', () => {
    const INTERVAL = MINUTE;

    it('holds the stale rule back after a gap in sweeps, not while sweeps keep coming', async () => {
      const h = await given({ bootGraceMs: THRESHOLD, sweepIntervalMs: INTERVAL, outageGapMs: THRESHOLD });
      await running(h, 'silent');
      // The first sweep of a ledger follows no other: a grace period begins.
      expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 0 });
      for (let i = 0; i < 10; i += 1) {
        h.clock.advance(INTERVAL);
        expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 0 });
      }
      // Sweeps every minute: the grace ended one threshold after it began, and the rule applies on time.
      h.clock.advance(INTERVAL + SECOND);
      expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 1 });
      await h.ledger.heartbeat('silent');
      // An outage: no sweep for longer than the gap. The first sweep after it holds the rule back again.
      h.clock.advance(THRESHOLD + 2 * MINUTE);
      expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 0 });
      h.clock.advance(THRESHOLD);
      expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 1 });
    });

    it('never holds the deadline rule back', async () => {
      const h = await given({ bootGraceMs: THRESHOLD });
      await running(h, 'late', { deadline: new Date(h.clock.now().getTime() + SECOND) });
      h.clock.advance(2 * SECOND);
      expect(await h.sweeper.sweep()).toMatchObject({ deadlineFailures: 1 });
    });
  });
}
