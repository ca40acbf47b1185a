import type { ConfigOverrides, DelegationsConfig } from '../app/config.js';
import type { Ledger, Sweeper } from '../app/ledger-api.js';
import type { DelegationStore, Logger } from '../app/ports.js';
import type { SubscribeOptions, SubscriptionHandle } from '../app/subscriptions-api.js';
import type { VerifyReport } from '../app/verify.js';
import type { DrizzleDb, Row } from '../adapters/drizzle/db.js';
import type { VirtualClock } from '../adapters/memory/virtual-clock.js';
import type { WiredDelegations } from '../wiring.js';

export { T0 } from './streams.js';

export type HarnessOptions = ConfigOverrides & { readonly logger?: Logger | undefined };

/** A ledger and sweeper on one store, on a virtual clock at T0, with no environment. */
export type LedgerHarness = {
  readonly ledger: Ledger;
  readonly sweeper: Sweeper;
  readonly store: DelegationStore;
  readonly config: DelegationsConfig;
  readonly clock: VirtualClock;
  verify(): Promise<VerifyReport>;
  /** Raw SQL on the database behind the store (absent for memory): what a test uses to check the tables. */
  readonly sql?: ((text: string) => Promise<Row[]>) | undefined;
  close(): Promise<void>;
};

/** Opens a harness on an empty store for one case; the contract closes it afterwards. */
export type LedgerHarnessFactory = (options?: HarnessOptions) => Promise<LedgerHarness>;

/** A harness over services loadDelegations wired (with the adapter module under test) on `clock`. */
export function harnessOf(wired: WiredDelegations, clock: VirtualClock, sql?: (text: string) => Promise<Row[]>): LedgerHarness {
  const { ledger, sweeper, store, config } = wired;
  return { ledger, sweeper, store, config, clock, verify: () => wired.verify(), sql, close: () => wired.close() };
}

/** What the subscription contract drives: a ledger, its store and its subscriptions. */
export type Ledgered = Pick<WiredDelegations, 'ledger' | 'store' | 'feed'> & {
  subscribe(options: SubscribeOptions<DrizzleDb>): SubscriptionHandle;
  /** Closes the store, which stops its subscriptions first; a connection the test file owns stays open. */
  close(): Promise<void>;
};

/** A store the subscription contract runs against. */
export type SubscriptionTarget = {
  readonly label: string;
  /** A ledger on emptied tables; every call of one case shares its feed (and so its checkpoints). */
  open(logger?: Logger): Promise<Ledgered>;
  /** Database targets: SQL on the same database, for effects written in the handler's transaction. */
  readonly db?: () => DrizzleDb;
  /** Database targets: a transaction that appends an event and rolls back. */
  rolledBack?(id: string): Promise<void>;
};

/** A Ledgered over services loadDelegations wired. */
export function ledgeredOf(wired: WiredDelegations): Ledgered {
  return {
    ledger: wired.ledger,
    store: wired.store,
    feed: wired.feed,
    subscribe: (options) => wired.subscriptions.subscribe(options),
    close: () => wired.close(),
  };
}
