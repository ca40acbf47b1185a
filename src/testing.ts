/**
 * The contract suites (vitest), for a host that writes its own adapter: run the same
 * cases against it that memory, PGlite and PostgreSQL pass. vitest is an optional peer.
 */
export { describeClockContract } from './testing/clock.contract.js';
export { describeDelegationStoreContract, type StoreFactory } from './testing/store.contract.js';
export { describeLedgerContract } from './testing/ledger.contract.js';
export { describePolicyContract } from './testing/policies.contract.js';
export { describeInputContract, HOSTILE } from './testing/input.contract.js';
export { describeSubscriptionContract } from './testing/subscriptions.contract.js';
export { describeWaitForContract } from './testing/wait.contract.js';
export { describeWebhookStoreContract, type WebhookStoreFactory } from './testing/webhooks.contract.js';
export {
  harnessOf,
  ledgeredOf,
  T0,
  type HarnessOptions,
  type LedgerHarness,
  type LedgerHarnessFactory,
  type Ledgered,
  type SubscriptionTarget,
} from './testing/harness.js';
export { eventually, recordingLogger, sleep, type LogLine } from './testing/fixtures.js';
export { apply, at, creation, expectWellFormedStream, running, seed, type NewDelegation } from './testing/streams.js';
