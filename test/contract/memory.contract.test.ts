import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { SystemClock } from '../../src/adapters/system/system-clock.js';
import {
  describeClockContract,
  describeDelegationStoreContract,
  describeInputContract,
  describeLedgerContract,
  describePolicyContract,
  describeSubscriptionContract,
  describeWaitForContract,
} from '../../src/testing.js';
import { memoryLedger } from '../support/ledger-harness.js';
import { memoryTarget } from '../support/subscriptions.js';

describeDelegationStoreContract('memory', async () => new MemoryDelegationStore());
describeClockContract(
  'VirtualClock',
  () => new VirtualClock(),
  (clock) => void (clock as VirtualClock).advance(Math.floor(Math.random() * 1000)),
);
describeClockContract('SystemClock', () => new SystemClock());
describeLedgerContract('memory', memoryLedger);
describePolicyContract('memory', memoryLedger);
describeInputContract('memory', memoryLedger);
describeWaitForContract('memory', memoryLedger);
describeSubscriptionContract(memoryTarget());
