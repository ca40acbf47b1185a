import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { backoffMs, baseBackoffMs, decide, type Delegation, type DelegationEvent, type RetryPolicy } from '../../src/domain/index.js';
import {
  agentStepsArb,
  agentTrace,
  automaticCommandArb,
  creationArb,
  expectedBaseBackoff,
  type Fenceable,
  failArb,
  operatorRequeueArb,
  policyArb,
  retryableFailArb,
  sampleArb,
  step,
  stepsArb,
  stuckRequeueArb,
  TERMINAL,
  trace,
  type Traced,
} from './decider-trace.js';

const RUNS = process.env.CI !== undefined ? 2000 : 300;

/** The commands that may open attempt n+1, whoever sends them. */
const retryArb = fc.oneof(stuckRequeueArb, operatorRequeueArb, retryableFailArb, failArb);
const withPolicy = creationArb.filter((c) => c.retry !== null);
const eventsOf = (states: readonly Traced[]): DelegationEvent[] => states.flatMap(({ decision }) => (decision?.kind === 'apply' ? decision.events : []));
const later = (now: Date, ms: number) => new Date(now.getTime() + ms);
const unfenced = (command: Fenceable): Fenceable => ({ ...command, attempt: undefined });

describe('retry laws', () => {
  test.prop([stepsArb(), creationArb, retryArb, fc.integer({ min: 0, max: 24 * 3_600_000 })], { numRuns: RUNS })(
    'a retry never reopens a terminal delegation, whoever asks and whenever',
    (steps, creation, retry, afterMs) => {
      const { state, now } = trace(steps, creation).at(-1)!;
      fc.pre(TERMINAL.includes(state.status));
      const decision = decide(unfenced(retry), state, later(now, afterMs));
      if (decision.kind === 'apply') {
        // Only a failure replayed on a failed delegation writes: its detail, once (rule 2).
        expect(state).toMatchObject({ status: 'failed', errorDetail: null });
        expect(decision.events.map((e) => [e.type, e.toStatus, e.attempt])).toEqual([['detail_recorded', 'failed', state.attempt]]);
      } else if (decision.kind === 'refused') {
        expect(decision.reason).toBe('terminal');
      } else {
        expect(decision.kind).toBe('unchanged');
      }
    },
  );

  test.prop([stepsArb(), creationArb], { numRuns: RUNS })(
    'attempts only grow, by one, and only through a requeued event that names the new attempt',
    (steps, creation) => {
      const states = trace(steps, creation);
      states.slice(1).forEach(({ state, decision }, i) => {
        const before = states[i]!.state;
        const requeues = decision?.kind === 'apply' ? decision.events.filter((e) => e.type === 'requeued') : [];
        expect(state.attempt - before.attempt).toBe(requeues.length);
        for (const e of requeues) expect(e).toMatchObject({ attempt: before.attempt + 1, fromStatus: before.status, toStatus: 'queued' });
        if (requeues.length > 0) expect(state).toMatchObject({ status: 'queued', lastHeartbeat: null, activeSince: null, progress: null });
      });
    },
  );

  test.prop([stepsArb(automaticCommandArb, 40), withPolicy], { numRuns: RUNS })(
    'with maxAttempts n, random commands of agents and the sweeper never run more than n attempts; the retry that would open n+1 fails it naming n',
    (steps, creation) => attemptsBounded(creation.retry as RetryPolicy, trace(steps, creation)),
  );

  test.prop([agentStepsArb(), withPolicy], { numRuns: RUNS })(
    'with maxAttempts n, an agent that keeps failing or going silent is run n times at most, then failed naming n',
    (steps, creation) => attemptsBounded(creation.retry as RetryPolicy, agentTrace(steps, creation)),
  );

  test.prop([stepsArb(), withPolicy], { numRuns: RUNS })(
    'an operator may retry past the policy, but an automatic retry never opens an attempt beyond maxAttempts',
    (steps, creation) => {
      const policy = creation.retry as RetryPolicy;
      for (const e of eventsOf(trace(steps, creation))) {
        if (e.type !== 'requeued') continue;
        if (e.data.reason === 'operator') expect(e.data.availableAt).toBeNull();
        else expect(e.attempt).toBeLessThanOrEqual(policy.maxAttempts);
      }
    },
  );

  test.prop([stepsArb(), withPolicy], { numRuns: RUNS })(
    'an automatic retry is available after its backoff: availableAt within [now + base * (1 - jitter), now + base]',
    (steps, creation) => {
      const policy = creation.retry as RetryPolicy;
      const states = trace(steps, creation);
      states.slice(1).forEach(({ now, decision }, i) => {
        const before = states[i]!.state;
        const requeue = decision?.kind === 'apply' ? decision.events.find((e) => e.type === 'requeued') : undefined;
        if (requeue?.type !== 'requeued' || requeue.data.reason === 'operator') return;
        const base = expectedBaseBackoff(policy, before.attempt);
        const waitMs = Date.parse(requeue.data.availableAt as string) - now.getTime();
        expect(waitMs).toBeGreaterThanOrEqual(Math.round(base * (1 - policy.jitter)));
        expect(waitMs).toBeLessThanOrEqual(Math.round(base));
      });
    },
  );
});

/** No more than maxAttempts attempts; each automatic retry before the deadline opens the next one while attempts are left, then fails naming them. */
function attemptsBounded(policy: RetryPolicy, states: readonly Traced[]): void {
  for (const { state } of states) expect(state.attempt).toBeLessThanOrEqual(policy.maxAttempts);
  states.slice(1).forEach(({ command, now, decision }, i) => {
    const before = states[i]!.state;
    if (command === null || decision?.kind !== 'apply' || now.getTime() > before.deadline.getTime()) return;
    const trigger =
      (command.type === 'Fail' && command.retryable === true && !TERMINAL.includes(before.status) && before.status !== 'queued') ||
      (command.type === 'Requeue' && command.reason === 'stuck' && before.status === 'stuck');
    if (!trigger) return;
    const [event] = decision.events;
    if (before.attempt < policy.maxAttempts) {
      expect(event).toMatchObject({ type: 'requeued', attempt: before.attempt + 1 });
      return;
    }
    const lastError = command.type === 'Fail' ? command.error : before.errorDetail;
    const n = policy.maxAttempts;
    expect(event).toMatchObject({
      type: 'failed',
      data: { error: `gave up after ${n} ${n === 1 ? 'attempt' : 'attempts'}: ${lastError ?? 'no error given'}` },
    });
  });
}

describe('backoff', () => {
  // Whole milliseconds: the wait is a value in [base * (1 - jitter), base] rounded, so its bounds are rounded too
  // (a 1 ms base with jitter 0.5 may wait 0 ms, below the unrounded 0.5).
  test.prop([policyArb, fc.integer({ min: 1, max: 30 }), sampleArb], { numRuns: RUNS })(
    'backoffMs is a whole number of ms within [base * (1 - jitter), base], rounded',
    (policy, attempt, sample) => {
      const base = baseBackoffMs(policy, attempt);
      const wait = backoffMs(policy, attempt, sample);
      expect(Number.isInteger(wait)).toBe(true);
      expect(wait).toBeGreaterThanOrEqual(Math.round(base * (1 - policy.jitter)));
      expect(wait).toBeLessThanOrEqual(Math.round(base));
    },
  );

  test.prop([policyArb, fc.integer({ min: 1, max: 30 }), sampleArb, sampleArb], { numRuns: RUNS })(
    'a larger draw never waits longer: the jitter only takes off',
    (policy, attempt, a, b) => {
      const [low, high] = a <= b ? [a, b] : [b, a];
      expect(backoffMs(policy, attempt, high)).toBeLessThanOrEqual(backoffMs(policy, attempt, low));
      expect(backoffMs(policy, attempt, 0)).toBe(Math.round(baseBackoffMs(policy, attempt)));
    },
  );

  test.prop([policyArb, fc.integer({ min: 1, max: 30 })], { numRuns: RUNS })('with jitter 0 backoffMs is the base, whatever the draw', (policy, attempt) => {
    const exact = { ...policy, jitter: 0 };
    expect(backoffMs(exact, attempt, 0)).toBe(backoffMs(exact, attempt, 0.999));
    expect(backoffMs(exact, attempt, 0.5)).toBe(Math.round(baseBackoffMs(exact, attempt)));
  });

  test.prop([policyArb, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 })], { numRuns: RUNS })(
    'baseBackoffMs is initialDelayMs * backoffFactor^(attempt - 1), monotone in the attempt, never above maxDelayMs',
    (policy, a, b) => {
      const [low, high] = a <= b ? [a, b] : [b, a];
      expect(baseBackoffMs(policy, low)).toBeLessThanOrEqual(baseBackoffMs(policy, high));
      expect(baseBackoffMs(policy, high)).toBeLessThanOrEqual(policy.maxDelayMs);
      expect(baseBackoffMs(policy, low)).toBeCloseTo(expectedBaseBackoff(policy, low), 6);
    },
  );

  test.prop([policyArb, fc.integer({ min: 1, max: 30 })], { numRuns: RUNS })('once the wait reaches maxDelayMs it stays there', (policy, attempt) => {
    fc.pre(baseBackoffMs(policy, attempt) === policy.maxDelayMs);
    expect(baseBackoffMs(policy, attempt + 1)).toBe(policy.maxDelayMs);
  });
});

/** A delegation under `policy` with attempts left, dispatched at its creation. */
function dispatched(policy: RetryPolicy, deadlineInMs: number): Delegation {
  const state = trace([], { retry: { ...policy, maxAttempts: Math.max(2, policy.maxAttempts) }, deadlineInMs })[0]!.state;
  return step(state, { type: 'Dispatch', actor: 'agent' }, state.createdAt);
}

const STATES_BEFORE_RETRY = ['dispatched', 'in_progress', 'input_required', 'stuck'] as const;

/** The dispatched delegation moved on, by the commands that lead there, to `status`. */
function inStatus(policy: RetryPolicy, deadlineInMs: number, status: (typeof STATES_BEFORE_RETRY)[number]): Delegation {
  const state = dispatched(policy, deadlineInMs);
  const t = state.createdAt;
  if (status === 'dispatched') return state;
  const started = step(state, { type: 'Start', actor: 'agent' }, t);
  if (status === 'input_required') return step(started, { type: 'RequestInput', question: 'which?', actor: 'agent' }, t);
  if (status === 'stuck') return step(started, { type: 'MarkStuck', detail: 'no heartbeat for 61s', silentForMs: 61_000, actor: 'sweeper' }, t);
  return started;
}

describe('the deadline is the whole budget', () => {
  test.prop(
    [policyArb, fc.integer({ min: 60_000, max: 3_600_000 }), fc.constantFrom(...STATES_BEFORE_RETRY), fc.integer({ min: 1, max: 3_600_000 }), sampleArb],
    {
      numRuns: RUNS,
    },
  )('past the deadline a retryable failure fails, never requeues', (policy, deadlineInMs, status, pastMs, sample) => {
    const state = inStatus(policy, deadlineInMs, status);
    const now = later(state.deadline, pastMs);
    const decision = decide({ type: 'Fail', error: 'boom', retryable: true, sample, actor: 'agent' }, state, now);
    expect(decision).toMatchObject({ kind: 'apply', events: [{ type: 'failed', toStatus: 'failed', attempt: state.attempt, data: { error: 'boom' } }] });
    // Before the deadline the same failure is retried: the deadline alone made the difference.
    expect(decide({ type: 'Fail', error: 'boom', retryable: true, sample, actor: 'agent' }, state, state.deadline)).toMatchObject({
      kind: 'apply',
      events: [{ type: 'requeued', toStatus: 'queued', attempt: state.attempt + 1 }],
    });
  });

  test.prop([policyArb, fc.integer({ min: 60_000, max: 3_600_000 }), fc.integer({ min: 1, max: 3_600_000 }), sampleArb], { numRuns: RUNS })(
    'past the deadline the sweeper\u2019s requeue of a stuck delegation fails it with "deadline exceeded"',
    (policy, deadlineInMs, pastMs, sample) => {
      const state = inStatus(policy, deadlineInMs, 'stuck');
      const decision = decide({ type: 'Requeue', reason: 'stuck', sample, actor: 'sweeper' }, state, later(state.deadline, pastMs));
      expect(decision).toMatchObject({ kind: 'apply', events: [{ type: 'failed', toStatus: 'failed', data: { error: 'deadline exceeded' } }] });
    },
  );
});

describe('a delegation waiting for input is parked', () => {
  test.prop([policyArb, fc.integer({ min: 0, max: 24 * 3_600_000 })], { numRuns: RUNS })(
    'the sweeper\u2019s MarkStuck and its requeue of a stuck delegation are refused on input_required',
    (policy, afterMs) => {
      const waiting = inStatus(policy, 48 * 3_600_000, 'input_required');
      const now = later(waiting.createdAt, afterMs);
      expect(decide({ type: 'MarkStuck', detail: 'no heartbeat for 61s', silentForMs: 61_000, actor: 'sweeper' }, waiting, now)).toMatchObject({
        kind: 'refused',
        reason: 'not_allowed',
      });
      expect(decide({ type: 'Requeue', reason: 'stuck', actor: 'sweeper' }, waiting, now)).toMatchObject({ kind: 'refused', reason: 'not_allowed' });
    },
  );
});

describe('a retry waits out its backoff', () => {
  test.prop(
    [
      policyArb.filter((p) => p.initialDelayMs > 0 && p.maxDelayMs > 0),
      fc.constantFrom(...STATES_BEFORE_RETRY),
      fc.constantFrom<Fenceable['type']>('Dispatch', 'Start', 'Heartbeat'),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    ],
    { numRuns: RUNS },
  )('dispatch, start and a starting beat before availableAt are refused not_available; at availableAt they apply', (policy, status, type, fraction) => {
    const state = inStatus({ ...policy, jitter: 0 }, 24 * 3_600_000, status);
    const failedAt = later(state.createdAt, 1_000);
    const queued = step(state, { type: 'Fail', error: 'boom', retryable: true, actor: 'agent' }, failedAt);
    expect(queued).toMatchObject({ status: 'queued', attempt: state.attempt + 1 });
    const availableAt = queued.availableAt as Date;
    const waitMs = availableAt.getTime() - failedAt.getTime();
    expect(waitMs).toBe(Math.round(expectedBaseBackoff(policy, state.attempt)));
    fc.pre(waitMs > 0);
    const command = { type, actor: 'agent' } as Fenceable;
    const before = later(failedAt, Math.floor(fraction * waitMs));
    expect(decide(command, queued, before)).toMatchObject({ kind: 'refused', reason: 'not_available' });
    expect(decide(command, queued, later(availableAt, -1))).toMatchObject({ kind: 'refused', reason: 'not_available' });
    expect(decide(command, queued, availableAt).kind).toBe('apply');
    // Waiting does not hold back the caller: a cancel in the backoff applies.
    expect(decide({ type: 'Cancel', reason: null, actor: 'caller' }, queued, before).kind).toBe('apply');
  });

  test.prop([policyArb], { numRuns: RUNS })('an operator\u2019s retry is available at once', (policy) => {
    const stuck = inStatus(policy, 24 * 3_600_000, 'stuck');
    const queued = step(stuck, { type: 'Requeue', actor: 'operator' }, stuck.createdAt);
    expect(queued).toMatchObject({ status: 'queued', availableAt: null, attempt: stuck.attempt + 1 });
    expect(decide({ type: 'Dispatch', actor: 'agent' }, queued, queued.createdAt).kind).toBe('apply');
  });
});
