import { sql } from 'drizzle-orm';
import type { ConfigOverrides, DelegationsConfig } from '../../src/app/config.js';
import type { Ledger, Sweeper } from '../../src/app/ledger-api.js';
import type { DelegationStore, Logger } from '../../src/app/ports.js';
import { query, type Row } from '../../src/adapters/drizzle/db.js';
import type { VerifyReport } from '../../src/app/verify.js';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { createDelegations } from '../../src/delegations.js';
import { delegationsOnPglite, type LedgerServices, type PgliteDatabase } from './pglite.js';
import type { TestDatabase } from './postgres.js';
import { RESET_TABLES } from './tables.js';

export const T0 = new Date('2026-01-01T00:00:00.000Z');

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

export type LedgerHarnessFactory = (options?: HarnessOptions) => Promise<LedgerHarness>;

function fromDelegations(d: LedgerServices, clock: VirtualClock): LedgerHarness {
  const { store } = d;
  const raw = store instanceof DrizzleDelegationStore ? (text: string) => query(store.db, sql.raw(text)) : undefined;
  return { ledger: d.ledger, sweeper: d.sweeper, store, config: d.config, clock, verify: () => d.verify(), sql: raw, close: () => d.close() };
}

export const memoryLedger: LedgerHarnessFactory = async (options = {}) => {
  const clock = new VirtualClock(T0);
  return fromDelegations(await createDelegations({ store: 'memory', clock, logger: silentLogger, env: {}, ...options }), clock);
};

/** Through createDelegations on this file's database; tables emptied first. */
export function postgresLedger(database: () => TestDatabase): LedgerHarnessFactory {
  return async (options = {}) => {
    const clock = new VirtualClock(T0);
    const d = await createDelegations({
      store: 'postgres',
      connectionString: database().url,
      poolSize: 2,
      migrate: true,
      clock,
      logger: silentLogger,
      env: {},
      ...options,
    });
    const harness = fromDelegations(d, clock);
    await harness.sql?.(RESET_TABLES);
    return harness;
  };
}

/** On this file's PGlite, through the same modules createDelegations loads (see delegationsOnPglite). */
export function pgliteLedger(database: () => PgliteDatabase): LedgerHarnessFactory {
  return async (options = {}) => {
    const clock = new VirtualClock(T0);
    return fromDelegations(await delegationsOnPglite(database(), { clock, ...options }), clock);
  };
}
