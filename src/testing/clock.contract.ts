import { describe, expect, it } from 'vitest';
import type { Clock } from '../app/ports.js';

/** The Clock port: every adapter returns a valid, fresh Date and never goes back. */
export function describeClockContract(name: string, make: () => Clock, between: (clock: Clock) => void = () => undefined): void {
  describe(`Clock contract: ${name}`, () => {
    it('returns valid Dates that never go back', async () => {
      const clock = make();
      let previous = -Infinity;
      for (let call = 0; call < 50; call += 1) {
        const now = await clock.now();
        expect(now).toBeInstanceOf(Date);
        expect(Number.isNaN(now.getTime())).toBe(false);
        expect(now.getTime()).toBeGreaterThanOrEqual(previous);
        previous = now.getTime();
        between(clock);
      }
    });

    it('hands out a fresh Date each time, so a caller mutating one cannot move the clock', async () => {
      const clock = make();
      const first = await clock.now();
      const expected = first.getTime();
      first.setTime(0);
      expect((await clock.now()).getTime()).toBeGreaterThanOrEqual(expected);
    });

    it('answers concurrent callers', async () => {
      const clock = make();
      const nows = await Promise.all(Array.from({ length: 8 }, () => clock.now()));
      for (const now of nows) expect(Number.isNaN(now.getTime())).toBe(false);
    });
  });
}
