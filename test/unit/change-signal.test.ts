import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeSignal } from '../../src/app/change-signal.js';

/** Whether the promise has settled once pending promise jobs have run (fake timers do not move). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
  return done;
}

describe('ChangeSignal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers at once a wait from a generation already passed, with no timer left behind', async () => {
    const signal = new ChangeSignal();
    const since = signal.mark();
    signal.notify();
    expect(signal.mark()).toBe(since + 1);
    expect(await settled(signal.wait(since, 60_000, new AbortController().signal))).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answers at once a wait whose signal is already aborted', async () => {
    const signal = new ChangeSignal();
    const abort = AbortSignal.abort();
    expect(await settled(signal.wait(signal.mark(), 60_000, abort))).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits for a change, then leaves no listener and no timer', async () => {
    const signal = new ChangeSignal();
    const abort = new AbortController();
    const waiting = signal.wait(signal.mark(), 60_000, abort.signal);
    expect(await settled(waiting)).toBe(false);
    signal.notify();
    expect(await settled(waiting)).toBe(true);
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives up after its timeout, and when its signal aborts, taking its listener off each time', async () => {
    const signal = new ChangeSignal();
    const abort = new AbortController();
    const timed = signal.wait(signal.mark(), 1000, abort.signal);
    await vi.advanceTimersByTimeAsync(999);
    expect(await settled(timed)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(timed)).toBe(true);
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
    const aborted = signal.wait(signal.mark(), 1000, abort.signal);
    abort.abort();
    expect(await settled(aborted)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
