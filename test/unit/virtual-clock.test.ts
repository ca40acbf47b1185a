import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { T0 } from '../support/memory.js';

describe('VirtualClock timers', () => {
  it('fire as the clock is advanced past them, in due order, each at its due time', () => {
    const clock = new VirtualClock(T0);
    const fired: [string, number][] = [];
    const at = (name: string) => () => void fired.push([name, clock.now().getTime() - T0.getTime()]);
    clock.setTimeout(at('late'), 300);
    clock.setTimeout(at('early'), 100);
    clock.setTimeout(at('tie-first'), 200);
    clock.setTimeout(at('tie-second'), 200);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(151);
    expect(fired).toEqual([
      ['early', 100],
      ['tie-first', 200],
      ['tie-second', 200],
    ]);
    expect(clock.now().getTime() - T0.getTime()).toBe(250);
    expect(clock.pendingTimers).toBe(1);
  });

  it('never fires a cleared timer, and fires one a callback sets when its time comes within the advance', () => {
    const clock = new VirtualClock(T0);
    const fired: string[] = [];
    const cleared = clock.setTimeout(() => fired.push('cleared'), 10);
    clock.setTimeout(() => {
      fired.push('first');
      clock.setTimeout(() => fired.push('chained'), 10);
    }, 10);
    clock.clearTimeout(cleared);
    clock.advance(15);
    expect(fired).toEqual(['first']);
    clock.advance(5);
    expect(fired).toEqual(['first', 'chained']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('advanceAsync lets promise continuations run between timers', async () => {
    const clock = new VirtualClock(T0);
    const seen: string[] = [];
    clock.setTimeout(() => {
      void Promise.resolve().then(() => seen.push('continuation of the first'));
    }, 10);
    clock.setTimeout(() => seen.push('second'), 20);
    await clock.advanceAsync(20);
    expect(seen).toEqual(['continuation of the first', 'second']);
    clock.setTimeout(() => seen.push('sync'), 10);
    clock.advance(10);
    expect(seen.at(-1)).toBe('sync');
  });

  it('refuses a negative or non-finite advance, as before', async () => {
    const clock = new VirtualClock(T0);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    await expect(clock.advanceAsync(Number.NaN)).rejects.toThrow(RangeError);
  });
});
