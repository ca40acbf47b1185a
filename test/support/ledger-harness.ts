import { sql } from 'drizzle-orm';
import { query } from '../../src/adapters/drizzle/db.js';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { openDelegations } from '../../src/delegations.js';
import { harnessOf, T0, type LedgerHarness, type LedgerHarnessFactory } from '../../src/testing.js';
import type { WiredDelegations } from '../../src/wiring.js';
import { delegationsOnPglite, type PgliteDatabase } from './pglite.js';
import type { TestDatabase } from './postgres.js';
import { RESET_TABLES } from './tables.js';

export { T0 };
export type { HarnessOptions, LedgerHarness, LedgerHarnessFactory } from '../../src/testing.js';

/** The harness, with raw SQL when a database is behind the store. */
function harness(wired: WiredDelegations, clock: VirtualClock): LedgerHarness {
  const { store } = wired;
  const raw = store instanceof DrizzleDelegationStore ? (text: string) => query(store.db, sql.raw(text)) : undefined;
  return harnessOf(wired, clock, raw);
}

export const memoryLedger: LedgerHarnessFactory = async (options = {}) => {
  const clock = new VirtualClock(T0);
  return harness(await openDelegations({ store: 'memory', clock, logger: silentLogger, env: {}, ...options }), clock);
};

/** Through createDelegations' own wiring on this file's database; tables emptied first. */
export function postgresLedger(database: () => TestDatabase): LedgerHarnessFactory {
  return async (options = {}) => {
    const clock = new VirtualClock(T0);
    const wired = await openDelegations({
      store: 'postgres',
      connectionString: database().url,
      poolSize: 2,
      migrate: true,
      clock,
      logger: silentLogger,
      env: {},
      ...options,
    });
    const opened = harness(wired, clock);
    await opened.sql?.(RESET_TABLES);
    return opened;
  };
}

/** On this file's PGlite, through the same wiring createDelegations uses (see delegationsOnPglite). */
export function pgliteLedger(database: () => PgliteDatabase): LedgerHarnessFactory {
  return async (options = {}) => {
    const clock = new VirtualClock(T0);
    return harness(await delegationsOnPglite(database(), { clock, ...options }), clock);
  };
}
