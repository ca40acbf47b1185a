/** `delegation-ledger/simulator`: the fleet simulator that chooses a stuck threshold, sweep interval and retry policy from evidence. */
export * from './simulator/index.js';
