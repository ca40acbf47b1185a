import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  ConcurrencyError,
  ConfigurationError,
  classifyDelegation,
  DatabaseConflictError,
  DatabaseError,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
  DEADLINE_EXCEEDED,
  type Decision,
  decide,
  type Delegation,
  type DelegationCommand,
  DelegationError,
  DelegationExistsError,
  DelegationNotFoundError,
  DEFAULT_RETRY_POLICY,
  evolve,
  fold,
  InvalidInputError,
  isStatus,
  MIN_JITTER,
  phaseOf,
  type RetryPolicy,
  RetryableError,
  recordHeartbeat,
  STATUSES,
  type Status,
  sweepGrace,
  toA2ATaskState,
  utf8Length,
  WaitTimeoutError,
} from '../../src/domain/index.js';

/**
 * The domain's edges that the model and contract suites reach only through a store: what the
 * decider answers (and says) at each refusal, the fold's guards, the classifier on rows the stores
 * rarely produce, and the helpers' exact arithmetic. Found by mutation testing (npm run test:mutation).
 */

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const SECOND = 1_000;
const HOUR = 3_600_000;

const create = (retry: RetryPolicy | null = null): DelegationCommand => ({
  type: 'Create',
  delegationId: 'd-1',
  callerId: 'caller',
  calleeId: 'callee',
  taskPreview: 'task',
  deadline: at(HOUR),
  heartbeatTimeoutMs: null,
  idempotencyKey: null,
  retry,
  actor: 'caller',
});

/** Applies each command in turn (each must apply) and returns the state. */
function run(commands: readonly DelegationCommand[], now = T0): Delegation {
  let state: Delegation | null = null;
  for (const command of commands) {
    const decision = decide(command, state, now);
    if (decision.kind !== 'apply') throw new Error(`${command.type} did not apply: ${JSON.stringify(decision)}`);
    state = decision.events.reduce<Delegation | null>(evolve, state);
  }
  if (state === null) throw new Error('no state');
  return state;
}

const actor = 'agent';
const dispatch: DelegationCommand = { type: 'Dispatch', actor };
const startCmd: DelegationCommand = { type: 'Start', actor };
const stuck: DelegationCommand = { type: 'MarkStuck', actor: 'sweeper', detail: 'no heartbeat for 600s', silentForMs: 600_000 };
const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({ ...DEFAULT_RETRY_POLICY, jitter: 0, ...over });

function refusal(decision: Decision): { reason: string; message: string } {
  if (decision.kind !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(decision)}`);
  return { reason: decision.reason, message: decision.message };
}

function onlyEvent(decision: Decision) {
  if (decision.kind !== 'apply' || decision.events.length !== 1) throw new Error(`expected one event, got ${JSON.stringify(decision)}`);
  return decision.events[0]!;
}

describe('decide: every refusal names what was wrong', () => {
  it('given an existing delegation, when created again, then already_exists names the id', () => {
    expect(refusal(decide(create(), run([create()]), T0))).toEqual({ reason: 'already_exists', message: 'delegation d-1 already exists' });
  });

  it('given no delegation, when any other command arrives, then not_found', () => {
    expect(refusal(decide(dispatch, null, T0))).toEqual({ reason: 'not_found', message: 'no such delegation' });
  });

  it('given attempt 2, when a sender names attempt 1 or 3, then stale_attempt or unknown_attempt, naming both attempts', () => {
    const second = run([create(policy()), dispatch, startCmd, { type: 'Fail', actor, error: 'boom', retryable: true }]);
    expect(second.attempt).toBe(2);
    expect(refusal(decide({ ...dispatch, attempt: 1 }, second, T0))).toEqual({
      reason: 'stale_attempt',
      message: 'attempt 1 was superseded by attempt 2',
    });
    expect(refusal(decide({ ...dispatch, attempt: 3 }, second, T0))).toEqual({
      reason: 'unknown_attempt',
      message: 'attempt 3 does not exist (current attempt is 2)',
    });
  });

  it('given a requeued attempt in its backoff, when dispatched early, then not_available says until when', () => {
    const second = run([create(policy({ initialDelayMs: 5 * SECOND })), dispatch, startCmd, { type: 'Fail', actor, error: 'boom', retryable: true }]);
    expect(refusal(decide(dispatch, second, T0))).toEqual({
      reason: 'not_available',
      message: `attempt 2 is in its retry backoff until ${at(5 * SECOND).toISOString()}`,
    });
  });

  it('given a terminal or a step back, then terminal or not_allowed names the statuses', () => {
    const done = run([create(), { type: 'Complete', actor, result: 'ok' }]);
    expect(refusal(decide(dispatch, done, T0))).toEqual({ reason: 'terminal', message: 'delegation is completed; terminal delegations never change' });
    const running = run([create(), dispatch, startCmd]);
    expect(refusal(decide(dispatch, running, T0))).toEqual({ reason: 'not_allowed', message: 'in_progress -> dispatched is not allowed' });
  });

  it('given input_required, when the agent starts itself, then it is refused: only the caller resumes', () => {
    const parked = run([create(), dispatch, startCmd, { type: 'RequestInput', actor, question: 'which?' }]);
    const { reason, message } = refusal(decide(startCmd, parked, T0));
    expect(reason).toBe('not_allowed');
    expect(message).toContain('input_required -> in_progress');
  });

  it.each<Status>(['queued', 'dispatched', 'stuck'])('given %s, when input is requested, then refused: only a running delegation asks', (status) => {
    const states: Record<string, DelegationCommand[]> = { queued: [create()], dispatched: [create(), dispatch], stuck: [create(), dispatch, stuck] };
    const { reason, message } = refusal(decide({ type: 'RequestInput', actor, question: 'which?' }, run(states[status]!), T0));
    expect(reason).toBe('not_allowed');
    expect(message).toBe(`${status} -> input_required is not allowed: only a running delegation asks its caller`);
  });

  it('given dispatched, when resumed, then refused: it is not waiting for input', () => {
    expect(refusal(decide({ type: 'Resume', actor: 'caller', answer: 'a' }, run([create(), dispatch]), T0))).toEqual({
      reason: 'not_allowed',
      message: 'dispatched is not waiting for input',
    });
  });

  it('given a running delegation, when an operator requeues it, then refused: a retry starts from stuck', () => {
    const { reason, message } = refusal(decide({ type: 'Requeue', actor: 'operator' }, run([create(), dispatch, startCmd]), T0));
    expect(reason).toBe('not_allowed');
    expect(message).toContain('in_progress -> queued is not allowed');
  });

  it('given a stuck delegation past its deadline, when an operator requeues it, then refused, naming the deadline', () => {
    const { reason, message } = refusal(decide({ type: 'Requeue', actor: 'operator' }, run([create(), dispatch, stuck]), at(HOUR + 1)));
    expect(reason).toBe('not_allowed');
    expect(message).toContain(`the deadline passed at ${at(HOUR).toISOString()}`);
  });
});

describe('decide: the outcomes a caller sees', () => {
  it('given a running delegation, when it beats, then a plain heartbeat with its progress (or none)', () => {
    const running = run([create(), dispatch, startCmd]);
    expect(decide({ type: 'Heartbeat', actor, progress: 40 }, running, T0)).toEqual({ kind: 'heartbeat', progress: 40 });
    expect(decide({ type: 'Heartbeat', actor }, running, T0)).toEqual({ kind: 'heartbeat', progress: null });
  });

  it('given a stuck delegation, when an operator requeues it, then attempt 2 is queued with the reason operator', () => {
    const event = onlyEvent(decide({ type: 'Requeue', actor: 'operator' }, run([create(), dispatch, stuck]), T0));
    expect(event).toMatchObject({ type: 'requeued', attempt: 2, toStatus: 'queued', data: { reason: 'operator', availableAt: null } });
  });

  it('given a stuck delegation past its deadline, when the sweeper requeues it, then it fails: deadline exceeded', () => {
    const event = onlyEvent(decide({ type: 'Requeue', actor: 'sweeper', reason: 'stuck' }, run([create(policy()), dispatch, stuck]), at(HOUR + 1)));
    expect(event).toMatchObject({ type: 'failed', toStatus: 'failed', data: { error: DEADLINE_EXCEEDED } });
  });

  it('given a stuck delegation with no attempt left (or no policy), when the sweeper requeues it, then it fails naming the attempts', () => {
    const stuckOnce = (retry: RetryPolicy | null) => run([create(retry), dispatch, stuck]);
    for (const retry of [policy({ maxAttempts: 1 }), null]) {
      const event = onlyEvent(decide({ type: 'Requeue', actor: 'sweeper', reason: 'stuck' }, stuckOnce(retry), T0));
      expect(event).toMatchObject({ type: 'failed', toStatus: 'failed', data: { error: 'gave up after 1 attempt: no heartbeat for 600s' } });
    }
  });

  it('given the last attempt, when it fails retryably without an error, then the detail says none was given', () => {
    const last = run(
      [create(policy({ maxAttempts: 2, initialDelayMs: 0 })), dispatch, startCmd, { type: 'Fail', actor, error: 'boom', retryable: true }, dispatch, startCmd],
      at(10 * SECOND),
    );
    const event = onlyEvent(decide({ type: 'Fail', actor, error: null, retryable: true }, last, at(10 * SECOND)));
    expect(event).toMatchObject({ type: 'failed', data: { error: 'gave up after 2 attempts: no error given' } });
  });

  it("given a jittered policy, when a retry is scheduled, then the caller's sample sets the wait", () => {
    const jittered = policy({ initialDelayMs: 10 * SECOND, jitter: 0.5 });
    const failing = run([create(jittered), dispatch, startCmd]);
    const failed = onlyEvent(decide({ type: 'Fail', actor, error: 'boom', retryable: true, sample: 0.5 }, failing, T0));
    expect(failed).toMatchObject({ type: 'requeued', data: { availableAt: at(7_500).toISOString() } });
    const requeued = onlyEvent(decide({ type: 'Requeue', actor: 'sweeper', reason: 'stuck', sample: 0.5 }, run([create(jittered), dispatch, stuck]), T0));
    expect(requeued).toMatchObject({ type: 'requeued', data: { availableAt: at(7_500).toISOString() } });
  });

  it('given a retryable failure exactly at the deadline, then it still retries; one ms later it fails', () => {
    const failing = run([create(policy()), dispatch, startCmd]);
    const fail: DelegationCommand = { type: 'Fail', actor, error: 'boom', retryable: true };
    expect(onlyEvent(decide(fail, failing, at(HOUR))).type).toBe('requeued');
    expect(onlyEvent(decide(fail, failing, at(HOUR + 1)))).toMatchObject({ type: 'failed', data: { error: 'boom' } });
  });

  it('given a cancellation without a reason, when replayed with one, then the reason is filled, never overwritten', () => {
    const cancelled = run([create(), { type: 'Cancel', actor: 'caller', reason: null }]);
    const filled = onlyEvent(decide({ type: 'Cancel', actor: 'caller', reason: 'not needed' }, cancelled, T0));
    expect(filled).toMatchObject({ type: 'detail_recorded', data: { error: 'not needed' } });
    const after = evolve(cancelled, filled);
    expect(after.errorDetail).toBe('not needed');
    expect(decide({ type: 'Cancel', actor: 'caller', reason: 'other' }, after, T0)).toEqual({ kind: 'unchanged' });
  });

  it('given input_required without a question, when asked again with one, then the question is recorded', () => {
    const parked = run([create(), dispatch, startCmd, { type: 'RequestInput', actor, question: null }]);
    const filled = onlyEvent(decide({ type: 'RequestInput', actor, question: 'which?' }, parked, T0));
    expect(evolve(parked, filled).errorDetail).toBe('which?');
  });
});

describe('evolve', () => {
  it('given a stream that does not begin with created, then the fold says so', () => {
    const dispatched = onlyEvent(decide(dispatch, run([create()]), T0));
    expect(() => fold([dispatched])).toThrow('stream of d-1 does not begin with created');
  });

  it('given progress 50, when a stuck agent recovers by a heartbeat reporting 10, then progress stays 50', () => {
    const running = run([create(), dispatch, startCmd]);
    const at50 = recordHeartbeat(running, at(SECOND), 50);
    const stuckAt50 = evolve(at50, onlyEvent(decide(stuck, at50, at(2 * SECOND))));
    const recovered = evolve(stuckAt50, onlyEvent(decide({ type: 'Heartbeat', actor, progress: 10 }, stuckAt50, at(3 * SECOND))));
    expect(recovered).toMatchObject({ status: 'in_progress', progress: 50 });
  });

  it('given no progress yet, when a heartbeat reports none, then progress stays unknown (null), not 0', () => {
    const running = run([create(), dispatch, startCmd]);
    expect(recordHeartbeat(running, at(SECOND), null).progress).toBeNull();
    expect(recordHeartbeat(recordHeartbeat(running, at(SECOND), 30), at(2 * SECOND), null).progress).toBe(30);
  });
});

describe('classifyDelegation on rows the stores rarely produce', () => {
  const row = {
    status: 'in_progress' as Status,
    deadline: at(HOUR),
    lastHeartbeat: null as Date | null,
    activeSince: null as Date | null,
  };

  it('given a heartbeat but no activeSince, then silence counts from the heartbeat', () => {
    expect(classifyDelegation(at(11 * SECOND), { ...row, lastHeartbeat: at(0) }, 10 * SECOND)).toMatchObject({
      kind: 'stale_heartbeat',
      silentForMs: 11 * SECOND,
    });
  });

  it('given no liveness reference at all, then healthy (nothing to measure silence from)', () => {
    expect(classifyDelegation(at(HOUR - 1), row, SECOND)).toEqual({ kind: 'healthy' });
  });

  it('given a terminal row past its deadline, then healthy: nothing to sweep', () => {
    expect(classifyDelegation(at(2 * HOUR), { ...row, status: 'completed' }, SECOND)).toEqual({ kind: 'healthy' });
  });

  it('given a stuck row under a policy but no updatedAt, then healthy (nothing says how long it has been stuck)', () => {
    expect(classifyDelegation(at(HOUR - 1), { ...row, status: 'stuck', retry: policy({ requeueStuckAfterMs: 1 }), attempt: 1 }, SECOND)).toEqual({
      kind: 'healthy',
    });
  });
});

describe('sweepGrace', () => {
  it('given a recent completed sweep and no grace ever, then no grace: the stale rule is active', () => {
    expect(sweepGrace(at(HOUR), { lastCompletedAt: at(HOUR - SECOND), graceFrom: null }, { bootGraceMs: 60 * SECOND, outageGapMs: 120 * SECOND })).toEqual({
      graceFrom: null,
      staleRuleActive: true,
    });
  });
});

describe('backoffMs', () => {
  const big = policy({ initialDelayMs: 100_000_000, maxDelayMs: 100_000_000 });

  it('takes the sampled share of the jitter off the wait', () => {
    expect(backoffMs(policy({ initialDelayMs: 1_000, jitter: 0.2 }), 1, 0.5)).toBe(900);
  });

  it('clamps a sample outside [0, 1]: the wait stays within its range', () => {
    const jittered = policy({ initialDelayMs: 1_000, jitter: 0.2 });
    expect(backoffMs(jittered, 1, 7)).toBe(800);
    expect(backoffMs(jittered, 1, -3)).toBe(1_000);
  });

  it('treats a jitter below MIN_JITTER as none, and MIN_JITTER itself as a jitter', () => {
    expect(backoffMs({ ...big, jitter: MIN_JITTER / 2 }, 1, 1)).toBe(100_000_000);
    expect(backoffMs({ ...big, jitter: MIN_JITTER }, 1, 1)).toBe(99_999_900);
  });
});

describe('utf8Length', () => {
  test.prop([fc.string({ unit: 'binary', maxLength: 200 })], { numRuns: 300 })('equals the UTF-8 byte length of any text', (text) => {
    expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
  });

  test.prop([fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 60 })], { numRuns: 300 })(
    'counts any UTF-16 code units, lone surrogates as U+FFFD (3 bytes)',
    (units) => {
      const text = String.fromCharCode(...units);
      expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
    },
  );

  it.each([
    ['ASCII', 'a\u007f', 2],
    ['2-byte edges', '\u0080\u07ff', 4],
    ['3-byte edge', '\u0800', 3],
    ['a pair at the surrogate edges', '\ud800\udc00\udbff\udfff', 8],
    ['a lone high then a letter', '\udbffa', 4],
    ['a lone low', '\udc00', 3],
    ['a high before a non-low', '\ud800\ue000', 6],
    ['two lone lows', '\udc00\udc00', 6],
    ['two lone highs', '\ud800\ud800', 6],
    ['a 3-byte character before a lone low', '\u0800\udc00', 6],
    ['a private-use character before a lone low', '\ue000\udc00', 6],
    ['a lone high before a character past the lows', '\udbff\ue000', 6],
  ])('%s', (_name, text, expected) => {
    expect(utf8Length(text)).toBe(expected);
  });
});

describe('statuses', () => {
  it('orders phases: queued < dispatched < running (in_progress, input_required, stuck) < terminal', () => {
    expect(STATUSES.map((status) => [status, phaseOf(status)])).toEqual([
      ['queued', 0],
      ['dispatched', 1],
      ['in_progress', 2],
      ['input_required', 2],
      ['stuck', 2],
      ['completed', 3],
      ['failed', 3],
      ['cancelled', 3],
      ['rejected', 3],
    ]);
  });

  it('refuses a value outside the status list, naming it', () => {
    expect(() => phaseOf('paused' as Status)).toThrow('unexpected value: paused');
    expect(() => toA2ATaskState('paused' as Status)).toThrow('unexpected value: paused');
    expect(isStatus('paused')).toBe(false);
    expect(isStatus(3)).toBe(false);
  });

  it('refuses a command or an event of an unknown type (a corrupt row or a caller outside the types)', () => {
    const queued = run([create()]);
    expect(() => decide({ type: 'Pause', actor } as unknown as DelegationCommand, queued, T0)).toThrow('unexpected value');
    const bogus = { ...onlyEvent(decide(dispatch, queued, T0)), type: 'paused' } as unknown as Parameters<typeof evolve>[1];
    expect(() => evolve(queued, bogus)).toThrow('unexpected value');
  });
});

describe('errors: a name and a message a caller can act on', () => {
  it.each<[string, () => DelegationError, string]>([
    ['DelegationError', () => new DelegationError('x'), 'x'],
    ['InvalidInputError', () => new InvalidInputError('deadline', 'must be in the future'), 'invalid deadline: must be in the future'],
    ['ConcurrencyError', () => new ConcurrencyError('d-1', 3), 'delegation d-1 is no longer at version 3'],
    ['DelegationExistsError', () => new DelegationExistsError('d-1'), 'delegation d-1 already exists'],
    ['ConfigurationError', () => new ConfigurationError('bad'), 'bad'],
    ['DatabaseError', () => new DatabaseError('rejected', '42601', 'rejected 42601'), 'rejected 42601'],
    ['DatabaseUnavailableError', () => new DatabaseUnavailableError(undefined, 'down', 'ECONNREFUSED'), 'down'],
    ['DatabaseTimeoutError', () => new DatabaseTimeoutError('57014', 'slow'), 'slow'],
    ['DatabaseConflictError', () => new DatabaseConflictError('40001', 'lost'), 'lost'],
    ['WaitTimeoutError', () => new WaitTimeoutError('d-1', 500), 'delegation d-1 did not finish within 500 ms'],
    ['DelegationNotFoundError', () => new DelegationNotFoundError('d-1'), 'delegation d-1 does not exist'],
    ['RetryableError', () => new RetryableError('try again'), 'try again'],
  ])('%s', (name, make, message) => {
    // Built inside the test, so the test is what covers the constructor.
    const error = make();
    expect(error).toBeInstanceOf(DelegationError);
    expect(error.name).toBe(name);
    expect(error.message).toBe(message);
    expect(String(error)).toBe(`${name}: ${message}`);
  });

  it('gives each database error its kind and code', () => {
    expect(new DatabaseUnavailableError(undefined, 'down', 'ECONNREFUSED')).toMatchObject({ kind: 'unavailable', sqlState: undefined, code: 'ECONNREFUSED' });
    expect(new DatabaseTimeoutError('57014', 'slow')).toMatchObject({ kind: 'timeout', sqlState: '57014', code: '57014' });
    expect(new DatabaseConflictError('40001', 'lost')).toMatchObject({ kind: 'conflict', sqlState: '40001', code: '40001' });
  });
});
