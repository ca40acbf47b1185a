import { afterEach, describe, expect, it } from 'vitest';
import type { HeartbeatOptions, Ledger } from '../../src/app/ledger-api.js';
import type { DelegationStore } from '../../src/app/ports.js';
import { DelegationStoppedError, type RunContext, type RunOptions, type RunOutcome } from '../../src/app/runner-api.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { openDelegations } from '../../src/delegations.js';
import { DatabaseUnavailableError, InvalidInputError, RetryableError } from '../../src/domain/index.js';
import { runDelegation } from '../../src/runner.js';
import type { WiredDelegations } from '../../src/wiring.js';
import { recordingLogger, SECOND, T0, type LogLine } from '../support/memory.js';

// Beats every 10 s: a third of the delegation's own threshold.
const HEARTBEAT_TIMEOUT = 30 * SECOND;
const INTERVAL = HEARTBEAT_TIMEOUT / 3;

type Setup = WiredDelegations & { readonly clock: VirtualClock; readonly lines: LogLine[]; readonly outage: { down: boolean } };
const opened: Setup[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

/** A ledger on the memory store and a virtual clock, its store reachable or not as `outage.down` says. */
async function setup(): Promise<Setup> {
  const clock = new VirtualClock(T0);
  const logger = recordingLogger();
  const outage = { down: false };
  const wired = await openDelegations({
    store: 'memory',
    clock,
    logger,
    env: {},
    stuckThresholdMs: HEARTBEAT_TIMEOUT,
    bootGraceMs: 0,
    decorateStore: (store) => unreachableWhile(store, outage),
  });
  const s = Object.assign(wired, { clock, lines: logger.lines, outage });
  opened.push(s);
  return s;
}

/** The store as the ledger sees it during an outage: every call fails as a database that is down. */
function unreachableWhile(store: DelegationStore, outage: { down: boolean }): DelegationStore {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function' || key === 'close') return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => {
        if (outage.down) return Promise.reject(new DatabaseUnavailableError(undefined, 'database unavailable (ECONNREFUSED)', 'ECONNREFUSED'));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function dispatched(s: Setup, id = 'd1', extra: { deadline?: Date; retry?: { maxAttempts: number; jitter: number } } = {}) {
  await s.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'summarise', delegationId: id, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT, ...extra });
  await s.ledger.setStatus(id, 'dispatched');
}

/** Records the ledger's calls the runner makes; `hold` keeps heartbeats from answering until released. */
function observed(ledger: Ledger) {
  const beats: HeartbeatOptions[] = [];
  const reports: string[] = [];
  const held: (() => void)[] = [];
  const control = { hold: false, partitioned: false };
  const wrapped: Ledger = new Proxy(ledger, {
    get(target, key) {
      if (key === 'heartbeat') {
        return async (id: string, options: HeartbeatOptions = {}) => {
          beats.push(options);
          if (control.partitioned) throw new DatabaseUnavailableError(undefined, 'connection refused', 'ECONNREFUSED');
          if (control.hold) await new Promise<void>((resolve) => held.push(resolve));
          return target.heartbeat(id, options);
        };
      }
      if (key === 'setStatus') {
        return (...args: Parameters<Ledger['setStatus']>) => {
          reports.push(args[1]);
          return target.setStatus(...args);
        };
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ledger: wrapped, beats, reports, held, control };
}

/** Work that runs until its signal aborts, then throws the reason, as well-behaved work does. */
function untilAborted(seen: { signal?: AbortSignal; context?: RunContext } = {}) {
  return ({ signal, ...rest }: RunContext) => {
    seen.signal = signal;
    seen.context = { signal, ...rest };
    return new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  };
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

const options = (s: Setup, extra: RunOptions = {}): RunOptions => ({ clock: s.clock, logger: recordingLogger(s.lines), ...extra });

describe('starting', () => {
  it('starts the delegation with its first beat and beats every third of its heartbeat timeout', async () => {
    const s = await setup();
    await dispatched(s);
    const o = observed(s.ledger);
    const work = deferred<string>();
    const run = runDelegation(o.ledger, { delegationId: 'd1', attempt: 1 }, () => work.promise, options(s));
    await s.clock.flush();
    expect(await s.ledger.get('d1')).toMatchObject({ status: 'in_progress', lastHeartbeat: T0 });
    expect(o.beats).toHaveLength(1);
    await s.clock.advanceAsync(INTERVAL - 1);
    expect(o.beats).toHaveLength(1);
    await s.clock.advanceAsync(1);
    expect(o.beats).toHaveLength(2);
    await s.clock.advanceAsync(2 * INTERVAL);
    expect(o.beats).toHaveLength(4);
    expect((await s.ledger.get('d1'))?.lastHeartbeat).toEqual(s.clock.now());
    work.resolve('done');
    expect(await run).toMatchObject({ status: 'completed', result: 'done' });
  });

  it("paces a delegation without its own timeout by the ledger's threshold, as the first beat tells it", async () => {
    const s = await setup();
    await s.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'summarise', delegationId: 'd1' });
    const o = observed(s.ledger);
    const work = deferred<string>();
    const run = runDelegation(o.ledger, { delegationId: 'd1', attempt: 1 }, () => work.promise, options(s));
    await s.clock.flush();
    // The ledger's threshold is 30 s, not the library's 10 min default: a beat every 10 s, never stuck.
    for (let i = 0; i < 9; i += 1) {
      await s.clock.advanceAsync(INTERVAL / 2);
      expect(await s.sweeper.sweep()).toMatchObject({ stuckMarked: 0 });
    }
    expect(o.beats).toHaveLength(5);
    work.resolve('done');
    expect(await run).toMatchObject({ status: 'completed' });
  });

  it('refuses a clock, timers or logger without their methods before it starts anything', async () => {
    const s = await setup();
    await s.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'summarise', delegationId: 'd1' });
    for (const [field, bad] of [
      ['clock', { clock: {} }],
      ['timers', { timers: { setTimeout: () => ({ id: 1 }) } }],
      ['logger', { logger: {} }],
    ] as const) {
      await expect(runDelegation(s.ledger, { delegationId: 'd1', attempt: 1 }, async () => 'x', bad as unknown as RunOptions)).rejects.toMatchObject({
        name: 'InvalidInputError',
        field,
      });
    }
    expect((await s.ledger.get('d1'))?.status).toBe('queued');
  });

  it('runs nothing when the first beat says stop, and says why', async () => {
    const s = await setup();
    await dispatched(s);
    await s.ledger.cancel('d1');
    let called = false;
    const work = () => {
      called = true;
    };
    const outcome = await runDelegation(s.ledger, { delegationId: 'd1', attempt: 1 }, work, options(s));
    expect(outcome).toMatchObject({ status: 'stopped', reason: 'cancelled', delegation: { status: 'cancelled' } });
    expect(called).toBe(false);
    expect(await runDelegation(s.ledger, { delegationId: 'nobody', attempt: 1 }, () => 'x', options(s))).toEqual({
      status: 'stopped',
      reason: 'not_found',
      delegation: null,
    });
  });

  it('refuses a target without a valid attempt, naming it', async () => {
    const s = await setup();
    await dispatched(s);
    await expect(runDelegation(s.ledger, { delegationId: 'd1', attempt: 0 }, () => 'x', options(s))).rejects.toMatchObject({ field: 'attempt' });
    await expect(runDelegation(s.ledger, { delegationId: '', attempt: 1 }, () => 'x', options(s))).rejects.toBeInstanceOf(InvalidInputError);
    await expect(runDelegation(s.ledger, { delegationId: 'd1', attempt: 1 }, () => 'x', options(s, { intervalMs: -5 }))).rejects.toMatchObject({
      field: 'intervalMs',
    });
    expect((await s.ledger.get('d1'))?.status).toBe('dispatched');
  });
});

describe('stopping', () => {
  it('aborts the signal at the next beat after a cancel, and reports nothing', async () => {
    const s = await setup();
    await dispatched(s);
    const o = observed(s.ledger);
    const seen: { signal?: AbortSignal } = {};
    const run = runDelegation(o.ledger, { delegationId: 'd1', attempt: 1 }, untilAborted(seen), options(s));
    await s.clock.advanceAsync(INTERVAL + INTERVAL / 2);
    await s.ledger.cancel('d1', { reason: 'no longer needed' });
    await s.clock.advanceAsync(INTERVAL / 2 - 1);
    expect(seen.signal?.aborted).toBe(false);
    await s.clock.advanceAsync(1);
    expect(seen.signal?.aborted).toBe(true);
    expect(seen.signal?.reason).toBeInstanceOf(DelegationStoppedError);
    expect(seen.signal?.reason).toMatchObject({ delegationId: 'd1', attempt: 1, reason: 'cancelled' });
    expect(await run).toMatchObject({ status: 'stopped', reason: 'cancelled', delegation: { status: 'cancelled' } });
    expect(o.reports).toEqual([]);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('aborts it when a beat finds it failed by the sweeper at the deadline', async () => {
    const s = await setup();
    await dispatched(s, 'd1', { deadline: new Date(T0.getTime() + 25 * SECOND) });
    // The agent's clock lags the ledger's: only the ledger's answer can tell it the deadline passed.
    const agentClock = new VirtualClock(new Date(T0.getTime() - 60 * SECOND));
    const seen: { signal?: AbortSignal } = {};
    const run = runDelegation(s.ledger, { delegationId: 'd1', attempt: 1 }, untilAborted(seen), options(s, { clock: agentClock }));
    await agentClock.flush();
    s.clock.advance(26 * SECOND);
    expect(await s.sweeper.sweep()).toMatchObject({ deadlineFailures: 1 });
    await agentClock.advanceAsync(INTERVAL);
    expect(seen.signal?.reason).toMatchObject({ reason: 'failed' });
    expect(await run).toMatchObject({ status: 'stopped', reason: 'failed', delegation: { status: 'failed', errorDetail: 'deadline exceeded' } });
  });

  it('aborts it when the deadline passes on its own clock, before any beat tells it', async () => {
    const s = await setup();
    await dispatched(s, 'd1', { deadline: new Date(T0.getTime() + 25 * SECOND) });
    const o = observed(s.ledger);
    const seen: { signal?: AbortSignal } = {};
    const run = runDelegation(o.ledger, { delegationId: 'd1', attempt: 1 }, untilAborted(seen), options(s));
    await s.clock.advanceAsync(25 * SECOND - 1);
    expect(seen.signal?.aborted).toBe(false);
    await s.clock.advanceAsync(1);
    expect(seen.signal?.reason).toMatchObject({ reason: 'deadline' });
    expect(await run).toMatchObject({ status: 'stopped', reason: 'deadline' });
    expect(o.beats).toHaveLength(3);
    expect(o.reports).toEqual([]);
  });

  it('aborts it when a newer attempt superseded it', async () => {
    const s = await setup();
    await dispatched(s);
    const o = observed(s.ledger);
    const seen: { signal?: AbortSignal } = {};
    const run = runDelegation(o.ledger, { delegationId: 'd1', attempt: 1 }, untilAborted(seen), options(s));
    await s.clock.flush();
    // Cut off from the ledger, the agent looks dead: stuck, then an operator's retry opens attempt 2.
    o.control.partitioned = true;
    await s.clock.advanceAsync(HEARTBEAT_TIMEOUT + 1);
    await s.sweeper.sweep();
    expect(await s.ledger.retry('d1')).toMatchObject({ outcome: 'applied', delegation: { status: 'queued', attempt: 2 } });
    o.control.partitioned = false;
    expect(seen.signal?.aborted).toBe(false);
    await s.clock.advanceAsync(INTERVAL);
    expect(seen.signal?.reason).toMatchObject({ reason: 'superseded' });
    expect(await run).toMatchObject({ status: 'stopped', reason: 'superseded', delegation: { attempt: 2 } });
    expect(o.reports).toEqual([]);
    expect(await s.ledger.get('d1')).toMatchObject({ status: 'queued', attempt: 2 });
  });

  it('reports nothing once stopped, even when the work returns a value anyway', async () => {
    const s = await setup();
    await dispatched(s);
    const o = observed(s.ledger);
    const run = runDelegation(
      o.ledger,
      { delegationId: 'd1', attempt: 1 },
      ({ signal }) => new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve('finished regardless'))),
      options(s),
    );
    await s.clock.flush();
    await s.ledger.cancel('d1');
    await s.clock.advanceAsync(INTERVAL);
    expect(await run).toMatchObject({ status: 'stopped', reason: 'cancelled' });
    expect(o.reports).toEqual([]);
    expect((await s.ledger.history('d1')).map((e) => e.type)).toEqual(['created', 'dispatched', 'started', 'cancelled']);
  });
});

describe('finishing', () => {
  it('completes with the returned value: a string as it is, anything else as JSON', async () => {
    const s = await setup();
    await dispatched(s, 'text');
    await dispatched(s, 'object');
    const text = await runDelegation(s.ledger, { delegationId: 'text', attempt: 1 }, async () => 'the summary', options(s));
    const object = await runDelegation(s.ledger, { delegationId: 'object', attempt: 1 }, async () => ({ words: 120, ok: true }), options(s));
    expect(text).toMatchObject({ status: 'completed', result: 'the summary', delegation: { status: 'completed', resultPreview: 'the summary' } });
    expect(object).toMatchObject({ status: 'completed', result: '{"words":120,"ok":true}', delegation: { resultPreview: '{"words":120,"ok":true}' } });
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('fails the delegation once with the thrown error message', async () => {
    const s = await setup();
    await dispatched(s);
    const o = observed(s.ledger);
    const outcome = await runDelegation(
      o.ledger,
      { delegationId: 'd1', attempt: 1 },
      async () => {
        throw new Error('the model refused');
      },
      options(s),
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      error: 'the model refused',
      retryable: false,
      delegation: { status: 'failed', errorDetail: 'the model refused' },
    });
    expect(o.reports).toEqual(['failed']);
    expect((await s.ledger.history('d1')).filter((e) => e.type === 'failed')).toHaveLength(1);
    await s.clock.advanceAsync(5 * INTERVAL);
    expect(o.beats).toHaveLength(1);
  });

  it('says retryable when the error does: the retry policy requeues the delegation', async () => {
    const s = await setup();
    await dispatched(s, 'typed', { retry: { maxAttempts: 3, jitter: 0 } });
    await dispatched(s, 'flagged', { retry: { maxAttempts: 3, jitter: 0 } });
    const typed = await runDelegation(
      s.ledger,
      { delegationId: 'typed', attempt: 1 },
      () => {
        throw new RetryableError('rate limited');
      },
      options(s),
    );
    const flagged = await runDelegation(
      s.ledger,
      { delegationId: 'flagged', attempt: 1 },
      () => Promise.reject(Object.assign(new Error('upstream 503'), { retryable: true })),
      options(s),
    );
    for (const outcome of [typed, flagged]) expect(outcome).toMatchObject({ status: 'failed', retryable: true, delegation: { status: 'queued', attempt: 2 } });
  });

  it('stops instead of reporting when the ledger refuses the report: cancelled between the last beat and the result', async () => {
    const s = await setup();
    await dispatched(s);
    const work = deferred<string>();
    const run = runDelegation(s.ledger, { delegationId: 'd1', attempt: 1 }, () => work.promise, options(s));
    await s.clock.flush();
    await s.ledger.cancel('d1');
    work.resolve('too late');
    expect(await run).toMatchObject({ status: 'stopped', reason: 'cancelled' });
    expect((await s.ledger.get('d1'))?.status).toBe('cancelled');
  });
});

describe('beats', () => {
  it('survives a store unreachable for three beats, logging each, and goes on when it is back', async () => {
    const s = await setup();
    await dispatched(s);
    const work = deferred<string>();
    const seen: { signal?: AbortSignal } = {};
    const run = runDelegation(
      s.ledger,
      { delegationId: 'd1', attempt: 1 },
      ({ signal }) => {
        seen.signal = signal;
        return work.promise;
      },
      options(s),
    );
    await s.clock.flush();
    s.outage.down = true;
    await s.clock.advanceAsync(3 * INTERVAL);
    const failed = s.lines.filter((l) => l.message === 'heartbeat failed; retrying at the next interval');
    expect(failed.map((l) => [l.level, l.fields.failedBeats, l.fields.delegationId])).toEqual([
      ['warn', 1, 'd1'],
      ['warn', 2, 'd1'],
      ['warn', 3, 'd1'],
    ]);
    s.outage.down = false;
    await s.clock.advanceAsync(INTERVAL);
    expect(seen.signal?.aborted).toBe(false);
    expect((await s.ledger.get('d1'))?.lastHeartbeat).toEqual(s.clock.now());
    expect(s.lines.some((l) => l.message === 'heartbeats reach the ledger again' && l.fields.failedBeats === 3)).toBe(true);
    work.resolve('done');
    expect(await run).toMatchObject({ status: 'completed', result: 'done' });
  });

  it('retries its report while the store is unreachable, and completes once it is back', async () => {
    const s = await setup();
    await dispatched(s);
    const work = deferred<string>();
    const run = runDelegation(s.ledger, { delegationId: 'd1', attempt: 1 }, () => work.promise, options(s));
    await s.clock.flush();
    s.outage.down = true;
    work.resolve('kept');
    await s.clock.advanceAsync(2 * INTERVAL);
    expect(s.lines.filter((l) => l.message === 'report failed; retrying')).toHaveLength(3);
    s.outage.down = false;
    await s.clock.advanceAsync(INTERVAL);
    expect(await run).toMatchObject({ status: 'completed', result: 'kept' });
  });

  it('never has more than one beat in flight', async () => {
    const s = await setup();
    await dispatched(s);
    const o = observed(s.ledger);
    const work = deferred<string>();
    const run = runDelegation(o.ledger, { delegationId: 'd1', attempt: 1 }, () => work.promise, options(s));
    await s.clock.flush();
    o.control.hold = true;
    await s.clock.advanceAsync(5 * INTERVAL);
    expect(o.beats).toHaveLength(2);
    expect(o.held).toHaveLength(1);
    o.control.hold = false;
    o.held.shift()?.();
    await s.clock.flush();
    await s.clock.advanceAsync(INTERVAL);
    expect(o.beats).toHaveLength(3);
    work.resolve('done');
    await run;
  });

  it('sends the latest progress with the next beat, and only once', async () => {
    const s = await setup();
    await dispatched(s);
    const o = observed(s.ledger);
    const seen: { context?: RunContext } = {};
    const run = runDelegation(o.ledger, { delegationId: 'd1', attempt: 1 }, untilAborted(seen), options(s));
    await s.clock.flush();
    seen.context?.progress(10);
    seen.context?.progress(40);
    expect((await s.ledger.get('d1'))?.progress).toBeNull();
    await s.clock.advanceAsync(INTERVAL);
    expect(o.beats.at(-1)).toEqual({ attempt: 1, progress: 40 });
    expect((await s.ledger.get('d1'))?.progress).toBe(40);
    await s.clock.advanceAsync(INTERVAL);
    expect(o.beats.at(-1)).toEqual({ attempt: 1, progress: undefined });
    expect(() => seen.context?.progress(-1)).toThrow(InvalidInputError);
    await s.ledger.cancel('d1');
    await s.clock.advanceAsync(INTERVAL);
    await run;
  });

  it('keeps a progress whose beat failed for the next one', async () => {
    const s = await setup();
    await dispatched(s);
    const o = observed(s.ledger);
    const seen: { context?: RunContext } = {};
    const run = runDelegation(o.ledger, { delegationId: 'd1', attempt: 1 }, untilAborted(seen), options(s));
    await s.clock.flush();
    seen.context?.progress(7);
    o.control.partitioned = true;
    await s.clock.advanceAsync(INTERVAL);
    o.control.partitioned = false;
    await s.clock.advanceAsync(INTERVAL);
    expect(o.beats.slice(1)).toEqual([
      { attempt: 1, progress: 7 },
      { attempt: 1, progress: 7 },
    ]);
    expect((await s.ledger.get('d1'))?.progress).toBe(7);
    await s.ledger.cancel('d1');
    await s.clock.advanceAsync(INTERVAL);
    await run;
  });
});

describe('asking the caller', () => {
  it('asks, waits for the answer from resume, and goes on with it', async () => {
    const s = await setup();
    await dispatched(s);
    const run = runDelegation(
      s.ledger,
      { delegationId: 'd1', attempt: 1 },
      async ({ requestInput }) => `report for ${await requestInput('which quarter?')}`,
      options(s),
    );
    const asked = await s.ledger.waitFor('d1', { until: ['input_required'] });
    expect(asked).toMatchObject({ status: 'input_required', errorDetail: 'which quarter?' });
    // Beats go on while it waits: the ledger acknowledges them and does not tell it to stop.
    await s.clock.advanceAsync(2 * INTERVAL);
    await s.ledger.resume('d1', { answer: 'Q3' });
    const outcome: RunOutcome = await run;
    expect(outcome).toMatchObject({ status: 'completed', result: 'report for Q3' });
  });

  it('stops with the reason when the caller cancels instead of answering', async () => {
    const s = await setup();
    await dispatched(s);
    const run = runDelegation(s.ledger, { delegationId: 'd1', attempt: 1 }, ({ requestInput }) => requestInput('which quarter?'), options(s));
    await s.ledger.waitFor('d1', { until: ['input_required'] });
    await s.ledger.cancel('d1');
    expect(await run).toMatchObject({ status: 'stopped', reason: 'cancelled' });
  });
});
