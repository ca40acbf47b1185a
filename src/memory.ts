/** `delegation-ledger/memory`: the in-memory store and its event feed, and the clocks and timers (virtual ones for tests and simulations). */
export { MemoryDelegationStore } from './adapters/memory/memory-store.js';
export { MemoryEventFeed } from './adapters/memory/memory-event-feed.js';
export { VirtualClock } from './adapters/memory/virtual-clock.js';
export { SystemClock } from './adapters/system/system-clock.js';
export { SystemTimers } from './adapters/system/system-timers.js';
