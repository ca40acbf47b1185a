import { describe, expect, it } from 'vitest';
import { PositionLog } from '../../src/adapters/memory/position-log.js';
import type { StoredEvent } from '../../src/domain/index.js';

/** Events whose `position` counts its reads: how many of the log a read looks at. */
function countedLog(size: number): { log: PositionLog; reads: () => number } {
  let reads = 0;
  const log = new PositionLog();
  const events = Array.from({ length: size }, (_, i) => {
    const position = 2 * (i + 1);
    return {
      delegationId: `d-${i % 7}`,
      get position() {
        reads += 1;
        return position;
      },
    } as unknown as StoredEvent;
  });
  log.append(events);
  return { log, reads: () => reads };
}

describe('the memory log in position order', () => {
  it('reads after a position by binary search: the positions looked at grow with log2 of the size, not with the size', () => {
    for (const size of [1_000, 100_000]) {
      const { log, reads } = countedLog(size);
      const before = reads();
      const batch = log.after(size, 10);
      expect(batch.map((event) => event.position)).toEqual(Array.from({ length: 10 }, (_, i) => size + 2 * (i + 1)));
      // The check above read 10 positions itself; the search needs at most ceil(log2(size + 1)).
      expect(reads() - before - 10).toBeLessThanOrEqual(Math.ceil(Math.log2(size + 1)));
    }
  });

  it('finds the first event after any position, between and past the ends', () => {
    const { log } = countedLog(5);
    expect(log.after(0, 100).map((e) => e.position)).toEqual([2, 4, 6, 8, 10]);
    expect(log.after(5, 100).map((e) => e.position)).toEqual([6, 8, 10]);
    expect(log.after(6, 1).map((e) => e.position)).toEqual([8]);
    expect(log.after(10, 100)).toEqual([]);
    expect(log.head()).toBe(10);
    expect(new PositionLog().head()).toBe(0);
  });

  it('refuses an append out of order, and drops the events of pruned delegations keeping the rest in order', () => {
    const { log } = countedLog(14);
    expect(() => log.append([{ delegationId: 'x', position: 28 } as StoredEvent])).toThrow(/position 28 appended after 28/);
    log.remove(new Set(['d-0', 'd-3']));
    expect(log.size).toBe(10);
    const left = log.after(0, 100);
    expect(left.every((e) => e.delegationId !== 'd-0' && e.delegationId !== 'd-3')).toBe(true);
    expect(left.map((e) => e.position)).toEqual([...left.map((e) => e.position)].sort((a, b) => a - b));
  });
});
