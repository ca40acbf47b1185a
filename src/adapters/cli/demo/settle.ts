import type { Ledger } from '../../../app/ledger-api.js';
import type { VirtualClock } from '../../memory/virtual-clock.js';

/**
 * The ledger with every call it is handed tracked until it answers, and `settle()`, which
 * returns once none is in flight and a turn of the event loop started no new one: a step of
 * the demo waits for the runner's beats (set off by the clock's timers) before the next.
 * waitFor is not tracked: it answers when its delegation ends, not within a step.
 */
export function trackCalls(ledger: Ledger, clock: VirtualClock): { ledger: Ledger; settle: () => Promise<void> } {
  const pending = new Set<Promise<unknown>>();
  const tracked = new Proxy(ledger, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (key === 'waitFor') return value.bind(target);
      return (...args: unknown[]) => {
        const call = Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args));
        pending.add(call);
        void call.finally(() => pending.delete(call)).catch(() => undefined);
        return call;
      };
    },
  });
  const settle = async () => {
    for (let quiet = 0; quiet < 2; ) {
      await clock.flush();
      if (pending.size === 0) quiet += 1;
      else {
        quiet = 0;
        await Promise.allSettled([...pending]);
      }
    }
  };
  return { ledger: tracked, settle };
}
