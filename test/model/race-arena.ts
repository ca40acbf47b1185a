import { expect } from 'vitest';
import type { fc } from '@fast-check/vitest';
import { Container } from 'inversify';
import { loadDelegations } from '../../src/wiring.js';
import type { StoredEvent } from '../../src/domain/index.js';
import type { Ledger, Sweeper } from '../../src/app/ledger-api.js';
import { memoryModule } from '../../src/adapters/memory/memory-module.js';
import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';

export const THRESHOLD = 60_000;
export const T0 = new Date('2026-01-01T00:00:00.000Z');
const TERMINAL = ['completed', 'failed', 'cancelled', 'rejected'];

/**
 * One store shared by a ledger and two sweepers (replicas), each wired by its own
 * container. Once `race.on` is set, every store call waits for the scheduler, so
 * fast-check can run the competitors' reads and writes in any order.
 */
export function arena() {
  const store = new MemoryDelegationStore({ random: () => 0.5 });
  const race: { on: fc.Scheduler | null } = { on: null };
  const gated = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const scheduler = race.on;
        if (scheduler === null) return value.apply(target, args);
        return scheduler.schedule(Promise.resolve(), `store.${String(key)}`).then(() => value.apply(target, args));
      };
    },
  });
  const clock = new VirtualClock(T0);
  const config = { stuckThresholdMs: THRESHOLD, bootGraceMs: 0 };
  const wire = () => loadDelegations(new Container(), { adapter: memoryModule({ clock, store: gated }), config, logger: silentLogger, env: {} });
  const [a, b] = [wire(), wire()];
  return { race, clock, ledger: a.ledger as Ledger, sweepers: [a.sweeper, b.sweeper] as Sweeper[] };
}

export const terminalEvents = (history: StoredEvent[]) => history.filter((e) => e.type !== 'detail_recorded' && TERMINAL.includes(e.toStatus));

/** Nothing follows the terminal event but a detail fill: no reversal. */
export function noReversal(history: StoredEvent[]) {
  const first = history.findIndex((e) => e.type !== 'detail_recorded' && TERMINAL.includes(e.toStatus));
  if (first >= 0) expect(history.slice(first + 1).every((e) => e.type === 'detail_recorded')).toBe(true);
  expect(history.map((e) => e.version)).toEqual(history.map((_, i) => i + 1));
}
