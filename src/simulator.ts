/** `delegation-ledger/simulator`: the fleet simulator that chooses a stuck threshold and sweep interval from evidence. */
export * from './simulator/index.js';
