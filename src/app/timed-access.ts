import type { Clock, DelegationStore, TimedAccess } from './ports.js';

/** The store's own timed access for `clock` when it has one, else the clock read before the store. */
export function timedAccess(store: DelegationStore, clock: Clock): TimedAccess {
  return (
    store.timedBy?.(clock) ?? {
      async loadWithTime(delegationId) {
        const now = await clock.now();
        return { now, delegation: await store.load(delegationId) };
      },
      async recordHeartbeatsNow(beats) {
        return store.recordHeartbeats(beats, await clock.now());
      },
    }
  );
}
