import { afterEach, describe, expect, it, vi } from 'vitest';
import { Container } from 'inversify';
import type { SweepPolicy } from '../../src/domain/index.js';
import type { SweepTally } from '../../src/app/ports.js';
import { memoryModule } from '../../src/adapters/memory/memory-module.js';
import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { loadDelegations } from '../../src/wiring.js';
import { HOUR, MINUTE, memoryHarness, recordingLogger, T0, type Harness } from '../support/memory.js';

const THRESHOLD = MINUTE;
const harnesses: Harness[] = [];

async function given(options: { bootGraceMs?: number } = {}): Promise<Harness> {
  const h = await memoryHarness({ stuckThresholdMs: THRESHOLD, bootGraceMs: options.bootGraceMs ?? 0 });
  harnesses.push(h);
  return h;
}

async function running(h: Harness, id: string, deadline = new Date(T0.getTime() + 6 * HOUR)) {
  await h.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'work', delegationId: id, deadline });
  await h.ledger.setStatus(id, 'in_progress');
  await h.ledger.heartbeat(id);
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

describe('the sweeper', () => {
  it('given an empty ledger, when it sweeps, then it reports nothing done', async () => {
    const h = await given();
    expect(await h.sweeper.sweep()).toEqual({ deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0, errors: 0, scanned: 0, skipped: [] });
  });

  it('given a beating agent past its deadline, when it sweeps, then the delegation is failed with "deadline exceeded"', async () => {
    const h = await given();
    await running(h, 'd1', new Date(T0.getTime() + 10 * MINUTE));
    h.clock.advance(10 * MINUTE);
    await h.ledger.heartbeat('d1');
    expect(await h.sweeper.sweep()).toMatchObject({ deadlineFailures: 0, stuckMarked: 0 });
    h.clock.advance(1);
    expect(await h.sweeper.sweep()).toEqual({ deadlineFailures: 1, stuckMarked: 0, requeued: 0, retriesExhausted: 0, errors: 0, scanned: 1, skipped: [] });
    expect(await h.ledger.get('d1')).toMatchObject({ status: 'failed', errorDetail: 'deadline exceeded' });
    expect((await h.ledger.history('d1')).at(-1)).toMatchObject({ type: 'failed', fromStatus: 'in_progress', toStatus: 'failed', actor: 'sweeper' });
  });

  it('given an agent silent past the threshold, when it sweeps, then it is marked stuck with "no heartbeat for Ns"', async () => {
    const h = await given();
    await running(h, 'd1');
    h.clock.advance(THRESHOLD + 1);
    expect(await h.sweeper.sweep()).toEqual({ deadlineFailures: 0, stuckMarked: 1, requeued: 0, retriesExhausted: 0, errors: 0, scanned: 1, skipped: [] });
    expect(await h.ledger.get('d1')).toMatchObject({ status: 'stuck', errorDetail: 'no heartbeat for 60s' });
    expect((await h.ledger.history('d1')).at(-1)).toMatchObject({ type: 'marked_stuck', actor: 'sweeper', data: { silentForMs: THRESHOLD + 1 } });
  });

  it('given an agent that never beat, when one threshold passes since dispatch, then it is left alone; one ms later it is stuck', async () => {
    const h = await given();
    await h.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'work', delegationId: 'd1' });
    h.clock.advance(5 * MINUTE);
    await h.ledger.setStatus('d1', 'dispatched');
    h.clock.advance(THRESHOLD);
    expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 0, scanned: 0 });
    expect((await h.ledger.get('d1'))?.status).toBe('dispatched');
    h.clock.advance(1);
    expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 1 });
    expect((await h.ledger.get('d1'))?.status).toBe('stuck');
  });

  it('given a queued delegation nobody picked up, when it sweeps before the deadline, then it is left queued', async () => {
    const h = await given();
    await h.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'work', delegationId: 'd1' });
    h.clock.advance(HOUR);
    expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 0, deadlineFailures: 0 });
    expect((await h.ledger.get('d1'))?.status).toBe('queued');
  });

  it('given a delegation past its deadline that completes before the sweep, then the sweep does not flip it', async () => {
    const h = await given();
    await running(h, 'd1', new Date(T0.getTime() + MINUTE));
    h.clock.advance(2 * MINUTE);
    expect((await h.ledger.setStatus('d1', 'completed', { resultPreview: 'done' })).outcome).toBe('applied');
    expect(await h.sweeper.sweep()).toMatchObject({ deadlineFailures: 0, stuckMarked: 0 });
    expect(await h.ledger.get('d1')).toMatchObject({ status: 'completed', resultPreview: 'done' });
  });

  it('given the sweep failed it first, when the late completion arrives, then it is refused and the delegation stays failed', async () => {
    const h = await given();
    await running(h, 'd1', new Date(T0.getTime() + MINUTE));
    h.clock.advance(2 * MINUTE);
    await h.sweeper.sweep();
    const late = await h.ledger.setStatus('d1', 'completed', { resultPreview: 'done' });
    expect(late).toMatchObject({ outcome: 'refused', reason: 'terminal' });
    expect(await h.ledger.get('d1')).toMatchObject({ status: 'failed', resultPreview: null });
  });

  it('given a sweep already marked everything, when it sweeps again, then it writes nothing', async () => {
    const h = await given();
    await running(h, 'stale');
    await running(h, 'late', new Date(T0.getTime() + 30 * 1000));
    h.clock.advance(THRESHOLD + 1);
    expect(await h.sweeper.sweep()).toMatchObject({ deadlineFailures: 1, stuckMarked: 1 });
    const versions = [(await h.ledger.get('stale'))?.version, (await h.ledger.get('late'))?.version];
    h.clock.advance(THRESHOLD);
    expect(await h.sweeper.sweep()).toEqual({ deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0, errors: 0, scanned: 0, skipped: [] });
    expect([(await h.ledger.get('stale'))?.version, (await h.ledger.get('late'))?.version]).toEqual(versions);
  });
});

describe('boot grace', () => {
  it('given a silent agent, when the sweeper starts, then the stale rule waits one threshold from start() while the deadline rule applies at once', async () => {
    const h = await given({ bootGraceMs: THRESHOLD });
    await running(h, 'silent');
    await running(h, 'late', new Date(T0.getTime() + MINUTE));
    h.clock.advance(3 * THRESHOLD);
    await h.sweeper.start();
    expect(h.sweeper.lastSweep?.result).toMatchObject({ deadlineFailures: 1, stuckMarked: 0 });
    expect((await h.ledger.get('silent'))?.status).toBe('in_progress');
    h.clock.advance(THRESHOLD - 1);
    expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 0 });
    h.clock.advance(1);
    expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 1 });
    await h.sweeper.stop();
  });

  it('given start() was never called, when sweep() drives it, then grace counts from the first sweep', async () => {
    const h = await given({ bootGraceMs: THRESHOLD });
    await running(h, 'silent');
    h.clock.advance(3 * THRESHOLD);
    expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 0 });
    h.clock.advance(THRESHOLD - 1);
    expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 0 });
    h.clock.advance(1);
    expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 1 });
  });

  it('given bootGraceMs: 0, when the first sweep runs, then a silent agent is marked stuck at once', async () => {
    const h = await given({ bootGraceMs: 0 });
    await running(h, 'silent');
    h.clock.advance(THRESHOLD + 1);
    expect(await h.sweeper.sweep()).toMatchObject({ stuckMarked: 1 });
  });

  it('given no bootGraceMs, then grace defaults to the stuck threshold', async () => {
    const h = await memoryHarness({ stuckThresholdMs: THRESHOLD });
    harnesses.push(h);
    expect(h.config.bootGraceMs).toBe(THRESHOLD);
  });
});

describe('the sweep loop', () => {
  function failingStore(): MemoryDelegationStore {
    const store = new MemoryDelegationStore();
    store.sweep = async () => {
      throw new Error('database unreachable');
    };
    return store;
  }

  function wire(store: MemoryDelegationStore, logger = recordingLogger()) {
    const config = { sweepIntervalMs: MINUTE, stuckThresholdMs: THRESHOLD };
    const { sweeper } = loadDelegations(new Container(), { adapter: memoryModule({ clock: new VirtualClock(T0), store }), config, logger, env: {} });
    return { sweeper, logger };
  }

  it('given a store that fails, when a sweep runs, then the failure is counted and logged, not thrown', async () => {
    const { sweeper, logger } = wire(failingStore());
    expect(await sweeper.sweep()).toEqual({ deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0, errors: 1, scanned: 0, skipped: [] });
    expect(sweeper.failedSweeps).toBe(1);
    expect(logger.lines.some((line) => line.level === 'error')).toBe(true);
  });

  it('given a failing sweep, when the interval passes, then the loop sweeps again', async () => {
    vi.useFakeTimers();
    const { sweeper } = wire(failingStore());
    await sweeper.start();
    expect(sweeper.failedSweeps).toBe(1);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(sweeper.failedSweeps).toBe(2);
    await sweeper.stop();
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    expect(sweeper.failedSweeps).toBe(2);
  });

  it('given a sweep in progress, when stop() is called, then it resolves only after that sweep', async () => {
    const store = new MemoryDelegationStore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const original = store.sweep.bind(store);
    store.sweep = async (now: Date, policy: SweepPolicy, actor: string): Promise<SweepTally> => {
      await gate;
      return original(now, policy, actor);
    };
    const { sweeper } = wire(store);
    const sweep = sweeper.sweep();
    let stopped = false;
    const stop = sweeper.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stop;
    expect(stopped).toBe(true);
    expect(await sweep).toMatchObject({ errors: 0 });
  });
});
