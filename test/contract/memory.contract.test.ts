import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { SystemClock } from '../../src/adapters/system/system-clock.js';
import { memoryLedger } from '../support/ledger-harness.js';
import { describeClockContract } from './clock.contract.js';
import { describeInputContract } from './input.contract.js';
import { describeLedgerContract } from './ledger.contract.js';
import { describeDelegationStoreContract } from './store.contract.js';

describeDelegationStoreContract('memory', async () => new MemoryDelegationStore());
describeClockContract(
  'VirtualClock',
  () => new VirtualClock(),
  (clock) => void (clock as VirtualClock).advance(Math.floor(Math.random() * 1000)),
);
describeClockContract('SystemClock', () => new SystemClock());
describeLedgerContract('memory', memoryLedger);
describeInputContract('memory', memoryLedger);
