import { describe, expect, it } from 'vitest';
import type { HeartbeatOptions, HeartbeatOutcome, SetStatusOptions, TransitionOutcome } from '../../src/app/ledger-api.js';
import type { TimerHandle, Timers } from '../../src/app/ports.js';
import { runDelegationWith } from '../../src/app/runner.js';
import { DelegationStoppedError, type RunContext, type RunnerLedger, type RunSettings, type RunTarget } from '../../src/app/runner-api.js';
import { MAX_TIMER_MS } from '../../src/app/validation.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { DatabaseUnavailableError, type Delegation, type RefusalReason, type Status, type StoredEvent } from '../../src/domain/index.js';
import { creation } from '../../src/testing/streams.js';
import { recordingLogger, SECOND, T0, type LogLine } from '../support/memory.js';

const THRESHOLD = 30 * SECOND;
const INTERVAL = THRESHOLD / 3;
const TARGET: RunTarget = { delegationId: 'd1', attempt: 1 };

type DelegationSpec = { status?: Status; attempt?: number; heartbeatTimeoutMs?: number | null; deadline?: Date };

function delegation(spec: DelegationSpec = {}): Delegation {
  const made = creation({
    id: 'd1',
    heartbeatTimeoutMs: spec.heartbeatTimeoutMs ?? null,
    ...(spec.deadline === undefined ? {} : { deadline: spec.deadline }),
  }).delegation;
  return { ...made, status: spec.status ?? 'in_progress', attempt: spec.attempt ?? 1 } as Delegation;
}

function goOn(d: Delegation, heartbeatTimeoutMs = THRESHOLD): HeartbeatOutcome {
  return { outcome: 'recorded', stop: false, reason: null, heartbeatTimeoutMs, delegation: d, status: d.status, deadline: d.deadline, attempt: d.attempt };
}

function stopAnswer(reason: Extract<HeartbeatOutcome, { stop: true }>['reason'], d: Delegation | null): HeartbeatOutcome {
  return {
    outcome: d === null ? 'not_found' : 'recorded',
    stop: true,
    reason,
    heartbeatTimeoutMs: d === null ? null : THRESHOLD,
    delegation: d,
    status: d?.status ?? null,
    deadline: d?.deadline ?? null,
    attempt: d?.attempt ?? null,
  } as HeartbeatOutcome;
}

const applied = (d: Delegation): TransitionOutcome => ({ outcome: 'applied', delegation: d, event: {} as StoredEvent });
const refused = (reason: RefusalReason, d: Delegation): TransitionOutcome => ({ outcome: 'refused', reason, message: `refused: ${reason}`, delegation: d });

function resumedEvent(attempt: number, answer: string | null, type: 'resumed' | 'input_requested' = 'resumed'): StoredEvent {
  return {
    type,
    delegationId: 'd1',
    attempt,
    fromStatus: type === 'resumed' ? 'input_required' : 'in_progress',
    toStatus: type === 'resumed' ? 'in_progress' : 'input_required',
    actor: 'caller',
    occurredAt: T0,
    data: type === 'resumed' ? { answer } : { question: 'q?' },
    version: 1,
    position: 1,
  } as StoredEvent;
}

/** A ledger whose every answer the test scripts; it records what the runner sends. */
function fakeLedger(start: Delegation = delegation()) {
  const beats: (HeartbeatOptions | undefined)[] = [];
  const reports: { status: Status; options: SetStatusOptions | undefined }[] = [];
  const asks: unknown[] = [];
  const script = {
    heartbeat: (_options: HeartbeatOptions | undefined, _n: number): Promise<HeartbeatOutcome> | HeartbeatOutcome => goOn(start),
    setStatus: (status: Status, _options: SetStatusOptions | undefined, _n: number): Promise<TransitionOutcome> | TransitionOutcome =>
      applied({ ...start, status } as Delegation),
    requestInput: (): Promise<TransitionOutcome> | TransitionOutcome => applied({ ...start, status: 'input_required' } as Delegation),
    waitFor: (): Promise<Delegation> | Delegation => start,
    history: (): Promise<StoredEvent[]> | StoredEvent[] => [],
  };
  const waits: unknown[] = [];
  const ledger: RunnerLedger = {
    heartbeat: async (_id, options) => {
      beats.push(options);
      return script.heartbeat(options, beats.length);
    },
    setStatus: async (_id, status, options) => {
      reports.push({ status, options });
      return script.setStatus(status, options, reports.length);
    },
    requestInput: async (_id, options) => {
      asks.push(options);
      return script.requestInput();
    },
    waitFor: async (_id, options) => {
      waits.push(options);
      return script.waitFor();
    },
    history: async () => script.history(),
  };
  return { ledger, script, beats, reports, asks, waits, start };
}

/** The clock's timers, with every delay asked for. */
function recordingTimers(clock: VirtualClock) {
  const delays: number[] = [];
  const timers: Timers = {
    setTimeout: (callback, ms) => {
      delays.push(ms);
      return clock.setTimeout(callback, ms);
    },
    clearTimeout: (handle: TimerHandle) => clock.clearTimeout(handle),
  };
  return { timers, delays };
}

function settingsFor(clock: VirtualClock, extra: Partial<RunSettings> = {}): RunSettings & { lines: LogLine[]; delays: number[] } {
  const logger = recordingLogger();
  const { timers, delays } = recordingTimers(clock);
  return { intervalMs: undefined, thresholdMs: undefined, clock, timers, logger, actor: 'agent-7', ...extra, lines: logger.lines, delays };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Work that runs until its signal aborts, then throws the reason. */
function untilAborted(seen: { context?: RunContext } = {}) {
  return (context: RunContext) => {
    seen.context = context;
    return new Promise<never>((_, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason), { once: true }));
  };
}

const outage = () => new DatabaseUnavailableError(undefined, 'connection refused', 'ECONNREFUSED');

describe('input refusals', () => {
  it('refuses work that is not a function before any beat', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    await expect(runDelegationWith(f.ledger, TARGET, 'summarise' as never, settingsFor(clock))).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'work',
      message: 'invalid work: must be a function',
    });
    expect(f.beats).toEqual([]);
  });

  it('refuses a target that is not an object, naming target', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    for (const bad of [null, 'd1', undefined, 3]) {
      await expect(runDelegationWith(f.ledger, bad as never, () => 'x', settingsFor(clock))).rejects.toMatchObject({
        name: 'InvalidInputError',
        field: 'target',
        message: 'invalid target: must be { delegationId, attempt }',
      });
    }
    expect(f.beats).toEqual([]);
  });

  it('refuses a target without an attempt, and a bad delegation id, by name', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    await expect(runDelegationWith(f.ledger, { delegationId: 'd1' } as never, () => 'x', settingsFor(clock))).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'attempt',
      message: 'invalid attempt: must be a positive integer',
    });
    await expect(runDelegationWith(f.ledger, { delegationId: '  ', attempt: 1 }, () => 'x', settingsFor(clock))).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'delegationId',
      message: 'invalid delegationId: must not be empty',
    });
    expect(f.beats).toEqual([]);
  });

  it('starts with a beat that names its attempt', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger(delegation({ attempt: 3 }));
    await runDelegationWith(f.ledger, { delegationId: 'd1', attempt: 3 }, () => 'x', settingsFor(clock));
    expect(f.beats[0]).toEqual({ attempt: 3 });
  });
});

describe('the beat interval', () => {
  async function intervalOf(start: Delegation, answeredTimeoutMs: number, extra: Partial<RunSettings> = {}): Promise<number> {
    const clock = new VirtualClock(T0);
    const f = fakeLedger(start);
    f.script.heartbeat = () => goOn(start, answeredTimeoutMs);
    const settings = settingsFor(clock, extra);
    const work = deferred<string>();
    const run = runDelegationWith(f.ledger, TARGET, () => work.promise, settings);
    await clock.flush();
    work.resolve('done');
    await run;
    // The first timer is the deadline's, the second the first beat's.
    return settings.delays[1] as number;
  }

  it("is a third of the delegation's own timeout, before the settings' threshold and the ledger's", async () => {
    expect(await intervalOf(delegation({ heartbeatTimeoutMs: 30 * SECOND }), 60 * SECOND, { thresholdMs: 90 * SECOND })).toBe(10 * SECOND);
  });

  it("is a third of the settings' threshold when the delegation has none, else of the ledger's answer", async () => {
    expect(await intervalOf(delegation(), 60 * SECOND, { thresholdMs: 90 * SECOND })).toBe(30 * SECOND);
    expect(await intervalOf(delegation(), 60 * SECOND)).toBe(20 * SECOND);
    expect(await intervalOf(delegation(), 10 * SECOND + 2)).toBe(Math.floor((10 * SECOND + 2) / 3));
  });

  it('is at least 1 ms and at most what one timer holds', async () => {
    expect(await intervalOf(delegation({ heartbeatTimeoutMs: 2 }), THRESHOLD)).toBe(1);
    expect(await intervalOf(delegation({ heartbeatTimeoutMs: 3 * MAX_TIMER_MS + 300 }), THRESHOLD)).toBe(MAX_TIMER_MS);
  });

  it('is the settings’ intervalMs when given, whatever the thresholds', async () => {
    expect(await intervalOf(delegation({ heartbeatTimeoutMs: 30 * SECOND }), 60 * SECOND, { intervalMs: 1234, thresholdMs: 90 * SECOND })).toBe(1234);
  });
});

describe('progress', () => {
  it('goes with the next beat; a failed beat keeps it unless a newer one came', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    const held = deferred<HeartbeatOutcome>();
    f.script.heartbeat = (_o, n) => {
      if (n === 2) throw outage();
      return n === 4 ? held.promise : goOn(f.start);
    };
    const seen: { context?: RunContext } = {};
    const run = runDelegationWith(f.ledger, TARGET, untilAborted(seen), settingsFor(clock));
    await clock.flush();
    seen.context?.progress(5);
    await clock.advanceAsync(INTERVAL); // beat 2 fails: 5 is kept
    await clock.advanceAsync(INTERVAL); // beat 3 carries it
    seen.context?.progress(6);
    await clock.advanceAsync(INTERVAL); // beat 4 carries 6...
    seen.context?.progress(8); // ...a newer progress comes while it is in flight...
    held.reject(outage()); // ...and it fails: the newer one goes next
    await clock.advanceAsync(INTERVAL);
    expect(f.beats.map((b) => b?.progress)).toEqual([undefined, 5, 5, 6, 8]);
    f.script.heartbeat = () => stopAnswer('cancelled', f.start);
    await clock.advanceAsync(INTERVAL);
    await run;
  });
});

describe('log lines', () => {
  it('warns of each failed beat with its count and retry, and says once when beats reach the ledger again', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    const error = outage();
    const down = { on: false };
    f.script.heartbeat = () => {
      if (down.on) throw error;
      return goOn(f.start);
    };
    const settings = settingsFor(clock);
    const work = deferred<string>();
    const run = runDelegationWith(f.ledger, { delegationId: 'd1', attempt: 1 }, () => work.promise, settings);
    await clock.flush();
    await clock.advanceAsync(2 * INTERVAL);
    // Healthy beats say nothing.
    expect(settings.lines).toEqual([]);
    down.on = true;
    await clock.advanceAsync(2 * INTERVAL);
    down.on = false;
    await clock.advanceAsync(2 * INTERVAL);
    work.resolve('done');
    await run;
    expect(settings.lines).toEqual([
      {
        level: 'warn',
        fields: { delegationId: 'd1', attempt: 1, failedBeats: 1, retryInMs: INTERVAL, err: error },
        message: 'heartbeat failed; retrying at the next interval',
      },
      {
        level: 'warn',
        fields: { delegationId: 'd1', attempt: 1, failedBeats: 2, retryInMs: INTERVAL, err: error },
        message: 'heartbeat failed; retrying at the next interval',
      },
      { level: 'info', fields: { delegationId: 'd1', attempt: 1, failedBeats: 2 }, message: 'heartbeats reach the ledger again' },
    ]);
  });

  it('says the run stopped, with why, once', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    const settings = settingsFor(clock);
    const seen: { context?: RunContext } = {};
    const run = runDelegationWith(f.ledger, TARGET, untilAborted(seen), settings);
    await clock.flush();
    f.script.heartbeat = () => stopAnswer('cancelled', { ...f.start, status: 'cancelled' } as Delegation);
    await clock.advanceAsync(INTERVAL);
    expect(await run).toMatchObject({ status: 'stopped', reason: 'cancelled', delegation: { status: 'cancelled' } });
    expect(settings.lines).toEqual([
      { level: 'info', fields: { delegationId: 'd1', attempt: 1, reason: 'cancelled' }, message: 'run stopped: the signal is aborted' },
    ]);
    expect(seen.context?.signal.reason).toBeInstanceOf(DelegationStoppedError);
  });

  it('warns of each failed report with its status, count and retry', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    const error = outage();
    f.script.setStatus = (status, _o, n) => {
      if (n < 4) throw error;
      return applied({ ...f.start, status } as Delegation);
    };
    const settings = settingsFor(clock);
    const run = runDelegationWith(f.ledger, TARGET, () => 'kept', settings);
    await clock.advanceAsync(3 * INTERVAL);
    expect(await run).toMatchObject({ status: 'completed', result: 'kept' });
    expect(settings.lines).toEqual(
      [1, 2, 3].map((failures) => ({
        level: 'warn',
        fields: { delegationId: 'd1', attempt: 1, status: 'completed', failures, retryInMs: INTERVAL, err: error },
        message: 'report failed; retrying',
      })),
    );
    expect(f.reports).toHaveLength(4);
  });
});

describe('after the work finished', () => {
  it('a beat in flight that answers stop after the result neither aborts the signal nor logs a stop', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    const held = deferred<HeartbeatOutcome>();
    f.script.heartbeat = (_o, n) => (n === 2 ? held.promise : goOn(f.start));
    const settings = settingsFor(clock);
    const work = deferred<string>();
    const seen: { signal?: AbortSignal } = {};
    const run = runDelegationWith(
      f.ledger,
      TARGET,
      ({ signal }) => {
        seen.signal = signal;
        return work.promise;
      },
      settings,
    );
    await clock.advanceAsync(INTERVAL);
    expect(f.beats).toHaveLength(2);
    work.resolve('done');
    expect(await run).toMatchObject({ status: 'completed', result: 'done' });
    held.resolve(stopAnswer('cancelled', { ...f.start, status: 'cancelled' } as Delegation));
    await clock.flush();
    expect(seen.signal?.aborted).toBe(false);
    expect(settings.lines).toEqual([]);
  });

  it('a beat timer that fires late, after the run finished, sends no beat', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    // Timers whose clearTimeout comes too late to cancel: the callback still runs.
    const lax: Timers = { setTimeout: (callback, ms) => clock.setTimeout(callback, ms), clearTimeout: () => {} };
    const run = runDelegationWith(f.ledger, TARGET, () => 'done', settingsFor(clock, { timers: lax }));
    expect(await run).toMatchObject({ status: 'completed' });
    await clock.advanceAsync(3 * INTERVAL);
    expect(f.beats).toHaveLength(1);
  });

  it('a second stop keeps the first reason and logs nothing more', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    const asked = deferred<TransitionOutcome>();
    f.script.requestInput = () => asked.promise;
    const settings = settingsFor(clock);
    const answer = { error: undefined as unknown };
    const run = runDelegationWith(
      f.ledger,
      TARGET,
      async ({ requestInput }) => {
        try {
          return await requestInput('which quarter?');
        } catch (error) {
          answer.error = error;
          throw error;
        }
      },
      settings,
    );
    await clock.flush();
    f.script.heartbeat = () => stopAnswer('cancelled', { ...f.start, status: 'cancelled' } as Delegation);
    await clock.advanceAsync(INTERVAL);
    asked.resolve(refused('stale_attempt', f.start));
    expect(await run).toMatchObject({ status: 'stopped', reason: 'cancelled' });
    expect(answer.error).toMatchObject({ name: 'DelegationStoppedError', reason: 'cancelled' });
    expect(settings.lines.filter((l) => l.message === 'run stopped: the signal is aborted')).toHaveLength(1);
  });

  it('keeps the delegation it knew when a stop answer carries none', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    const run = runDelegationWith(f.ledger, TARGET, untilAborted(), settingsFor(clock));
    await clock.flush();
    f.script.heartbeat = () => stopAnswer('not_found', null);
    await clock.advanceAsync(INTERVAL);
    expect(await run).toEqual({ status: 'stopped', reason: 'not_found', delegation: f.start });
  });
});

describe('deadlines', () => {
  it('stops before the work starts when the deadline already passed on its clock', async () => {
    const clock = new VirtualClock(new Date(T0.getTime() + 7 * 3_600_000));
    const f = fakeLedger();
    let called = false;
    const outcome = await runDelegationWith(
      f.ledger,
      TARGET,
      () => {
        called = true;
        return 'x';
      },
      settingsFor(clock),
    );
    expect(outcome).toEqual({ status: 'stopped', reason: 'deadline', delegation: f.start });
    expect(called).toBe(false);
    expect(f.reports).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('waits out a deadline past what one timer holds, in steps', async () => {
    const clock = new VirtualClock(T0);
    const far = MAX_TIMER_MS + 5 * SECOND;
    const f = fakeLedger(delegation({ deadline: new Date(T0.getTime() + far) }));
    const seen: { context?: RunContext } = {};
    const settings = settingsFor(clock, { intervalMs: MAX_TIMER_MS });
    const run = runDelegationWith(f.ledger, TARGET, untilAborted(seen), settings);
    await clock.advanceAsync(far - 1);
    expect(seen.context?.signal.aborted).toBe(false);
    await clock.advanceAsync(1);
    expect(seen.context?.signal.reason).toMatchObject({ reason: 'deadline' });
    expect(await run).toMatchObject({ status: 'stopped', reason: 'deadline' });
    expect(settings.delays.slice(0, 2)).toEqual([MAX_TIMER_MS, MAX_TIMER_MS]);
    expect(settings.delays).toContain(5 * SECOND);
  });

  it('retries a failing report until one more interval would pass the deadline, then stops with deadline', async () => {
    for (const [deadlineMs, calls] of [
      [25 * SECOND, 3],
      [30 * SECOND, 4],
    ] as const) {
      const clock = new VirtualClock(T0);
      const f = fakeLedger(delegation({ deadline: new Date(T0.getTime() + deadlineMs) }));
      f.script.setStatus = () => {
        throw outage();
      };
      const run = runDelegationWith(f.ledger, TARGET, () => 'done', settingsFor(clock));
      await clock.advanceAsync(60 * SECOND);
      expect(await run).toEqual({ status: 'stopped', reason: 'deadline', delegation: f.start });
      expect(f.reports).toHaveLength(calls);
    }
  });
});

describe('reports the ledger does not apply', () => {
  it('maps a refusal to the stop reason', async () => {
    const cases: [RefusalReason, string][] = [
      ['stale_attempt', 'superseded'],
      ['unknown_attempt', 'unknown_attempt'],
      ['not_available', 'not_available'],
      ['not_found', 'not_found'],
      ['not_allowed', 'refused'],
      ['already_exists', 'refused'],
    ];
    for (const [refusal, reason] of cases) {
      const clock = new VirtualClock(T0);
      const f = fakeLedger();
      f.script.setStatus = () => refused(refusal, f.start);
      expect(await runDelegationWith(f.ledger, TARGET, () => 'x', settingsFor(clock))).toEqual({ status: 'stopped', reason, delegation: f.start });
    }
  });

  it("stops with the delegation's terminal status when it ended meanwhile", async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    const cancelled = { ...f.start, status: 'cancelled' } as Delegation;
    f.script.setStatus = () => refused('terminal', cancelled);
    const outcome = await runDelegationWith(
      f.ledger,
      TARGET,
      () => {
        throw new Error('boom');
      },
      settingsFor(clock),
    );
    expect(outcome).toEqual({ status: 'stopped', reason: 'cancelled', delegation: cancelled });
  });

  it('stops with not_found and no delegation when the report finds none', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    f.script.setStatus = () => ({ outcome: 'not_found', delegationId: 'd1' });
    expect(await runDelegationWith(f.ledger, TARGET, () => 'x', settingsFor(clock))).toEqual({ status: 'stopped', reason: 'not_found', delegation: null });
  });

  it('takes an unchanged answer (a replayed report) as done, for a result and for an error', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    f.script.setStatus = (status) => ({ outcome: 'unchanged', delegation: { ...f.start, status } as Delegation });
    expect(await runDelegationWith(f.ledger, TARGET, () => 'x', settingsFor(clock))).toMatchObject({
      status: 'completed',
      result: 'x',
      delegation: { status: 'completed' },
    });
    const failed = await runDelegationWith(
      f.ledger,
      TARGET,
      () => {
        throw new Error('boom');
      },
      settingsFor(clock),
    );
    expect(failed).toMatchObject({ status: 'failed', error: 'boom', retryable: false, delegation: { status: 'failed' } });
  });
});

describe('the result and the error', () => {
  it('reports a string as it is, anything else as JSON, and nothing for undefined', async () => {
    const clock = new VirtualClock(T0);
    const cases: [unknown, string | null][] = [
      ['plain', 'plain'],
      [{ n: 1 }, '{"n":1}'],
      [42, '42'],
      [undefined, null],
    ];
    for (const [value, result] of cases) {
      const f = fakeLedger();
      const outcome = await runDelegationWith(f.ledger, TARGET, () => value, settingsFor(clock));
      expect(outcome).toMatchObject({ status: 'completed', result });
      expect(f.reports).toEqual([
        { status: 'completed', options: result === null ? { attempt: 1, actor: 'agent-7' } : { resultPreview: result, attempt: 1, actor: 'agent-7' } },
      ]);
      if (result === null) expect(f.reports[0]?.options).not.toHaveProperty('resultPreview');
    }
  });

  it('fails the run when the result cannot be serialised', async () => {
    const clock = new VirtualClock(T0);
    const f = fakeLedger();
    const outcome = await runDelegationWith(f.ledger, TARGET, () => ({ big: 1n }), settingsFor(clock));
    expect(outcome).toMatchObject({ status: 'failed', retryable: false });
    expect(outcome.status === 'failed' && outcome.error).toMatch(/^the result could not be serialised: .*BigInt/);
    expect(f.reports).toEqual([
      {
        status: 'failed',
        options: { errorDetail: expect.stringMatching(/^the result could not be serialised: /), retryable: false, attempt: 1, actor: 'agent-7' },
      },
    ]);
  });

  it('names the error by its message, by its name when the message is empty, and by String() when it is not an Error', async () => {
    class QuotaError extends Error {
      override name = 'QuotaError';
    }
    const cases: [unknown, string][] = [
      [new Error('the model refused'), 'the model refused'],
      [new Error(''), 'Error'],
      [new QuotaError(''), 'QuotaError'],
      ['plain text', 'plain text'],
      [42, '42'],
      [null, 'null'],
      [undefined, 'undefined'],
    ];
    for (const [thrown, error] of cases) {
      const clock = new VirtualClock(T0);
      const f = fakeLedger();
      const outcome = await runDelegationWith(
        f.ledger,
        TARGET,
        () => {
          throw thrown;
        },
        settingsFor(clock),
      );
      expect(outcome).toMatchObject({ status: 'failed', error, retryable: false });
      expect(f.reports[0]?.options).toMatchObject({ errorDetail: error, retryable: false });
    }
  });

  it('is retryable only for an object whose retryable is exactly true', async () => {
    const cases: [unknown, boolean][] = [
      [Object.assign(new Error('503'), { retryable: true }), true],
      [{ retryable: true }, true],
      [Object.assign(new Error('503'), { retryable: 'yes' }), false],
      [Object.assign(() => {}, { retryable: true }), false],
      [null, false],
      [undefined, false],
    ];
    for (const [thrown, retryable] of cases) {
      const clock = new VirtualClock(T0);
      const f = fakeLedger();
      const outcome = await runDelegationWith(
        f.ledger,
        TARGET,
        () => {
          throw thrown;
        },
        settingsFor(clock),
      );
      expect(outcome).toMatchObject({ status: 'failed', retryable });
    }
  });
});

describe('requestInput', () => {
  async function asking(f: ReturnType<typeof fakeLedger>) {
    const clock = new VirtualClock(T0);
    const settings = settingsFor(clock);
    const seen = { answer: undefined as unknown, error: undefined as unknown };
    const outcome = await runDelegationWith(
      f.ledger,
      TARGET,
      async ({ requestInput }) => {
        try {
          seen.answer = await requestInput('which quarter?');
          return `got ${String(seen.answer)}`;
        } catch (error) {
          seen.error = error;
          throw error;
        }
      },
      settings,
    );
    return { outcome, seen, settings };
  }

  it('returns the latest answer resumed for its own attempt', async () => {
    const f = fakeLedger();
    f.script.history = () => [
      resumedEvent(1, 'first'),
      resumedEvent(1, 'Q3'),
      resumedEvent(2, 'another attempt'),
      { ...resumedEvent(1, null, 'input_requested') },
    ];
    const { outcome, seen } = await asking(f);
    expect(seen.answer).toBe('Q3');
    expect(outcome).toMatchObject({ status: 'completed', result: 'got Q3' });
    expect(f.asks).toEqual([{ question: 'which quarter?', attempt: 1, actor: 'agent-7' }]);
    expect(f.waits).toEqual([{ until: ['in_progress'], signal: expect.any(AbortSignal) }]);
  });

  it('returns an empty answer when the resume carried none, or there is no resume of its attempt', async () => {
    for (const history of [[resumedEvent(1, null)], [], [resumedEvent(2, 'not mine')]]) {
      const f = fakeLedger();
      f.script.history = () => history;
      const { seen } = await asking(f);
      expect(seen.answer).toBe('');
    }
  });

  it('rejects with the stop reason when the ledger refuses the question, and does not wait', async () => {
    const cases: [TransitionOutcome, string][] = [];
    const base = delegation();
    cases.push([refused('stale_attempt', base), 'superseded']);
    cases.push([refused('terminal', { ...base, status: 'cancelled' } as Delegation), 'cancelled']);
    cases.push([{ outcome: 'not_found', delegationId: 'd1' }, 'not_found']);
    for (const [answer, reason] of cases) {
      const f = fakeLedger(base);
      f.script.requestInput = () => answer;
      const { outcome, seen, settings } = await asking(f);
      expect(seen.error).toBeInstanceOf(DelegationStoppedError);
      expect(seen.error).toMatchObject({ reason });
      expect(outcome).toMatchObject({ status: 'stopped', reason });
      expect(f.waits).toEqual([]);
      expect(f.reports).toEqual([]);
      expect(settings.lines).toEqual([{ level: 'info', fields: { delegationId: 'd1', attempt: 1, reason }, message: 'run stopped: the signal is aborted' }]);
    }
  });

  it('rejects with the status when the delegation ended instead of resuming', async () => {
    const f = fakeLedger();
    const cancelled = { ...f.start, status: 'cancelled' } as Delegation;
    f.script.waitFor = () => cancelled;
    f.script.history = () => [resumedEvent(1, 'never read')];
    const { outcome, seen } = await asking(f);
    expect(seen.error).toMatchObject({ name: 'DelegationStoppedError', reason: 'cancelled' });
    expect(seen.answer).toBeUndefined();
    expect(outcome).toEqual({ status: 'stopped', reason: 'cancelled', delegation: cancelled });
    expect(f.reports).toEqual([]);
  });
});
