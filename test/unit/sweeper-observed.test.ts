import { Container } from 'inversify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SweepPolicy } from '../../src/domain/index.js';
import type { SweepScope, SweepTally } from '../../src/app/ports.js';
import type { ConfigOverrides } from '../../src/app/config.js';
import { memoryModule } from '../../src/adapters/memory/memory-module.js';
import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { at, HOUR, MINUTE, seed } from '../../src/testing/streams.js';
import { loadDelegations } from '../../src/wiring.js';
import { recordingLogger } from '../support/memory.js';
import { RefusingMemoryStore } from '../support/refusing-store.js';

const NOW = at(2 * HOUR);
const REFUSED = 'the database refused the statement (SQLSTATE P0001)';
const NOTHING = { deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0, errors: 0, scanned: 0, skipped: [] };
const FAILED = { ...NOTHING, errors: 1 };

/** A memory store whose sweeps wait while held: a stalled database, released (or failed) on cue. */
class HeldStore extends MemoryDelegationStore {
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;
  private fail: ((error: Error) => void) | null = null;
  calls = 0;

  hold(): void {
    this.gate = new Promise<void>((resolve, reject) => {
      this.open = resolve;
      this.fail = reject;
    });
    // A gate failed before anyone awaits it is not an unhandled rejection.
    this.gate.catch(() => undefined);
  }

  release(): void {
    this.gate = null;
    this.open?.();
  }

  breakDown(error: Error): void {
    this.gate = null;
    this.fail?.(error);
  }

  override async sweep(now: Date, policy: SweepPolicy, actor: string, scope?: SweepScope): Promise<SweepTally> {
    this.calls += 1;
    if (this.gate !== null) await this.gate;
    return super.sweep(now, policy, actor, scope);
  }
}

const held: HeldStore[] = [];

function wire(store: MemoryDelegationStore = new MemoryDelegationStore(), config: ConfigOverrides = {}) {
  if (store instanceof HeldStore) held.push(store);
  const logger = recordingLogger();
  const { sweeper, ledger } = loadDelegations(new Container(), {
    adapter: memoryModule({ clock: new VirtualClock(NOW), store }),
    config: { sweepIntervalMs: MINUTE, stuckThresholdMs: HOUR, bootGraceMs: 0, ...config },
    logger,
    env: {},
  });
  // What the wiring itself logged is not the sweeper's.
  logger.lines.splice(0);
  return { sweeper, ledger, logger, store };
}

async function lateRows(store: MemoryDelegationStore, ids: readonly string[]): Promise<void> {
  for (const id of ids) await seed(store, { id, deadline: at(HOUR) });
}

const messages = (logger: ReturnType<typeof recordingLogger>) => logger.lines.map((line) => line.message);

afterEach(() => {
  for (const store of held.splice(0)) store.release();
  vi.useRealTimers();
});

describe('what a sweep shows an operator', () => {
  it('given nothing due, then the sweep is counted as run and logs nothing at all', async () => {
    const { sweeper, logger } = wire();
    expect(await sweeper.sweep()).toEqual(NOTHING);
    expect(sweeper.sweepsRun).toBe(1);
    expect(sweeper.failedSweeps).toBe(0);
    expect(sweeper.rowsSkipped).toBe(0);
    expect(logger.lines).toEqual([]);
    await sweeper.sweep();
    expect(sweeper.sweepsRun).toBe(2);
  });

  it('given late delegations, then it logs one transition line per event and then a summary', async () => {
    const { sweeper, ledger, logger, store } = wire();
    await lateRows(store, ['a', 'b']);
    const result = await sweeper.sweep();
    expect(result).toEqual({ ...NOTHING, deadlineFailures: 2, scanned: 2 });
    const failedA = (await ledger.history('a')).at(-1);
    const failedB = (await ledger.history('b')).at(-1);
    expect(failedA).toMatchObject({ type: 'failed', fromStatus: 'queued' });
    expect(logger.lines).toEqual([
      { level: 'info', fields: { delegationId: 'a', event: 'failed', from: 'queued', data: failedA?.data }, message: 'sweeper transition' },
      { level: 'info', fields: { delegationId: 'b', event: 'failed', from: 'queued', data: failedB?.data }, message: 'sweeper transition' },
      {
        level: 'info',
        fields: { deadlineFailures: 2, stuckMarked: 0, requeued: 0, retriesExhausted: 0, errors: 0, scanned: 2, skipped: 0, pages: 1, staleRuleActive: true },
        message: 'sweep complete',
      },
    ]);
    expect(sweeper.sweepsRun).toBe(1);
  });

  it('given a row the database refuses and nothing else due, then the summary is logged for the skipped row, and skipped rows add up across sweeps', async () => {
    const store = new RefusingMemoryStore();
    const { sweeper, logger } = wire(store);
    await lateRows(store, ['a']);
    store.refuse('a');
    expect(await sweeper.sweep()).toEqual({ ...NOTHING, skipped: [{ delegationId: 'a', error: REFUSED }] });
    expect(sweeper.rowsSkipped).toBe(1);
    expect(logger.lines.find((line) => line.message === 'sweep complete')).toEqual({
      level: 'info',
      fields: { deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0, errors: 0, scanned: 0, skipped: 1, pages: 2, staleRuleActive: true },
      message: 'sweep complete',
    });
    expect(messages(logger)).not.toContain('sweeper transition');
    await sweeper.sweep();
    expect(sweeper.rowsSkipped).toBe(2);
    expect(sweeper.failedSweeps).toBe(0);
  });

  it('given boot grace, then the first sweep says it applies only the deadline rule, and one without grace does not', async () => {
    const { sweeper, logger } = wire(new MemoryDelegationStore(), { bootGraceMs: HOUR });
    await sweeper.sweep();
    expect(logger.lines).toEqual([
      { level: 'debug', fields: { graceFrom: NOW, bootGraceMs: HOUR }, message: 'grace after an outage: only the deadline rule applies' },
    ]);

    const ungraced = wire(new MemoryDelegationStore(), { bootGraceMs: 0 });
    await ungraced.sweeper.sweep();
    expect(ungraced.logger.lines).toEqual([]);
  });

  it('given a late delegation during grace, then the summary says the stale rule was not active', async () => {
    const { sweeper, logger, store } = wire(new MemoryDelegationStore(), { bootGraceMs: HOUR });
    await lateRows(store, ['a']);
    await sweeper.sweep();
    expect(logger.lines.find((line) => line.message === 'sweep complete')?.fields).toMatchObject({ deadlineFailures: 1, staleRuleActive: false });
  });

  it('given a store that fails, then the sweep is counted as run and failed, and logged as "sweep failed" with the error', async () => {
    const store = new MemoryDelegationStore();
    const broken = new Error('database unreachable');
    store.sweep = async () => {
      throw broken;
    };
    const { sweeper, logger } = wire(store);
    expect(await sweeper.sweep()).toEqual(FAILED);
    expect(sweeper.failedSweeps).toBe(1);
    expect(sweeper.sweepsRun).toBe(1);
    expect(logger.lines).toEqual([{ level: 'error', fields: { err: broken }, message: 'sweep failed' }]);
  });
});

describe('a sweep that overruns its interval, as an operator sees it', () => {
  it('given the stalled sweep finishes late, then it is counted once as failed and its late result is logged as a warning', async () => {
    vi.useFakeTimers();
    const store = new HeldStore();
    const { sweeper, logger } = wire(store);
    await lateRows(store, ['a']);
    store.hold();
    const sweep = sweeper.sweep();
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(await sweep).toEqual(FAILED);
    expect(logger.lines).toEqual([{ level: 'error', fields: { intervalMs: MINUTE }, message: 'sweep overran its interval; counted as failed' }]);
    store.release();
    await sweeper.stop();
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([
      { level: 'warn', fields: { ...NOTHING, deadlineFailures: 1, scanned: 1 }, message: 'a sweep that overran its interval finished late' },
    ]);
    expect(sweeper.sweepsRun).toBe(1);
    expect(sweeper.failedSweeps).toBe(1);
    expect(sweeper.lastSweep?.result).toMatchObject({ deadlineFailures: 1 });
  });

  it('given the stalled sweep fails late, then it is logged as the overrun failing and not counted again', async () => {
    vi.useFakeTimers();
    const store = new HeldStore();
    const { sweeper, logger } = wire(store);
    store.hold();
    const sweep = sweeper.sweep();
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(await sweep).toEqual(FAILED);
    const lost = new Error('connection reset');
    store.breakDown(lost);
    await sweeper.stop();
    expect(logger.lines).toEqual([
      { level: 'error', fields: { intervalMs: MINUTE }, message: 'sweep overran its interval; counted as failed' },
      { level: 'error', fields: { err: lost }, message: 'a sweep that overran its interval failed' },
    ]);
    expect(sweeper.sweepsRun).toBe(1);
    expect(sweeper.failedSweeps).toBe(1);
  });

  it('given the loop while a sweep stalls, then the next turn is skipped, logged and counted as failed', async () => {
    vi.useFakeTimers();
    const store = new HeldStore();
    const { sweeper, logger } = wire(store);
    store.hold();
    const started = sweeper.start();
    await vi.advanceTimersByTimeAsync(MINUTE);
    await started;
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(store.calls).toBe(1);
    expect(logger.lines.filter((line) => line.level === 'error')).toEqual([
      { level: 'error', fields: { intervalMs: MINUTE }, message: 'sweep overran its interval; counted as failed' },
      { level: 'error', fields: {}, message: 'sweep skipped: the previous sweep is still running' },
    ]);
    expect(sweeper.failedSweeps).toBe(2);
    expect(sweeper.sweepsRun).toBe(2);
    store.release();
    await sweeper.stop();
  });
});

describe('the loop, as an operator sees it', () => {
  it('given start(), then it logs its settings, runs at once and every interval; stop() logs once and ends it', async () => {
    vi.useFakeTimers();
    const { sweeper, logger } = wire();
    await sweeper.start();
    expect(sweeper.sweepsRun).toBe(1);
    expect(logger.lines).toEqual([{ level: 'info', fields: { intervalMs: MINUTE, thresholdMs: HOUR, bootGraceMs: 0 }, message: 'sweeper started' }]);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(sweeper.sweepsRun).toBe(2);
    await sweeper.stop();
    expect(logger.lines.slice(1)).toEqual([{ level: 'info', fields: {}, message: 'sweeper stopped' }]);
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    expect(sweeper.sweepsRun).toBe(2);
    await sweeper.stop();
    expect(messages(logger).filter((message) => message === 'sweeper stopped')).toHaveLength(1);
  });

  it('given start() twice, then one loop runs: one start line, one sweep per interval', async () => {
    vi.useFakeTimers();
    const { sweeper, logger } = wire();
    await sweeper.start();
    await sweeper.start();
    expect(sweeper.sweepsRun).toBe(1);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(sweeper.sweepsRun).toBe(2);
    expect(messages(logger)).toEqual(['sweeper started']);
    await sweeper.stop();
  });

  it('given a stopped sweeper, when started again, then it runs again', async () => {
    vi.useFakeTimers();
    const { sweeper, logger } = wire();
    await sweeper.start();
    await sweeper.stop();
    await sweeper.start();
    expect(sweeper.sweepsRun).toBe(2);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(sweeper.sweepsRun).toBe(3);
    await sweeper.stop();
    expect(messages(logger)).toEqual(['sweeper started', 'sweeper stopped', 'sweeper started', 'sweeper stopped']);
  });

  it('given a sweeper never started, when stopped, then it logs nothing', async () => {
    const { sweeper, logger } = wire();
    await sweeper.stop();
    expect(logger.lines).toEqual([]);
  });

  it('given a sweep() that already finished, when the loop starts, then its first turn sweeps rather than being skipped', async () => {
    vi.useFakeTimers();
    const { sweeper } = wire();
    await sweeper.sweep();
    await sweeper.start();
    expect(sweeper.failedSweeps).toBe(0);
    expect(sweeper.sweepsRun).toBe(2);
    await sweeper.stop();
  });

  it('given stop() while the first sweep runs, then no further sweep is scheduled', async () => {
    vi.useFakeTimers();
    const store = new HeldStore();
    const { sweeper } = wire(store);
    store.hold();
    const started = sweeper.start();
    const stopped = sweeper.stop();
    store.release();
    await Promise.all([started, stopped]);
    expect(sweeper.sweepsRun).toBe(1);
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    expect(store.calls).toBe(1);
    expect(sweeper.sweepsRun).toBe(1);
  });

  it('given a restart while the old loop still sweeps, then only the new loop goes on', async () => {
    vi.useFakeTimers();
    const store = new HeldStore();
    const { sweeper } = wire(store);
    store.hold();
    const first = sweeper.start();
    const stopped = sweeper.stop();
    const second = sweeper.start();
    store.release();
    await Promise.all([first, stopped, second]);
    // The old loop's sweep, and the new loop's first turn skipped because that sweep still ran.
    expect(sweeper.sweepsRun).toBe(2);
    expect(sweeper.failedSweeps).toBe(1);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(sweeper.sweepsRun).toBe(3);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(sweeper.sweepsRun).toBe(4);
    await sweeper.stop();
  });
});
