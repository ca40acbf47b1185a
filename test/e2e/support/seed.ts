import { createDelegations, silentLogger, type CreateDelegationsOptions, type Delegations } from '../../../src/index.js';
import { VirtualClock } from '../../../src/memory.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

/** One delegation per case an operator meets; ids are fixed so tests can name them. */
export const CASES = { stuck: 'op-stuck', running: 'op-running', queued: 'op-queued', done: 'op-done' } as const;

export type StoreOptions = Extract<CreateDelegationsOptions, { store: 'postgres' }> | Extract<CreateDelegationsOptions, { store: 'pglite' }>;

/**
 * Opens the library on the store. Seeding runs on a clock an hour back, so it
 * can create delegations whose deadline has already passed by the real clock.
 */
export async function withLibrary<T>(store: StoreOptions, work: (d: Delegations) => Promise<T>): Promise<T> {
  const d = await createDelegations({ ...store, logger: silentLogger, clock: new VirtualClock(new Date(Date.now() - 60 * 60_000)) });
  try {
    return await work(d);
  } finally {
    await d.close();
  }
}

/** The operator cases, plus `overdue` delegations (deadline half an hour ago) the next sweep fails. Returns the overdue ids. */
export async function seed(store: StoreOptions, options: { overdue: number }): Promise<string[]> {
  return withLibrary(store, async ({ ledger }) => {
    for (const id of Object.values(CASES)) await ledger.create({ delegationId: id, callerId: 'e2e', calleeId: 'agent-1', task: `task ${id}` });
    await ledger.setStatus(CASES.stuck, 'dispatched');
    await ledger.setStatus(CASES.stuck, 'stuck', { errorDetail: 'no heartbeat for 700s', actor: 'sweeper' });
    await ledger.setStatus(CASES.running, 'dispatched');
    await ledger.heartbeat(CASES.running);
    await ledger.setStatus(CASES.done, 'completed', { resultPreview: 'ok' });
    const deadline = new Date(Date.now() - 30 * 60_000);
    const ids = Array.from({ length: options.overdue }, (_, i) => `overdue-${String(i).padStart(5, '0')}`);
    for (const id of ids) await ledger.create({ delegationId: id, callerId: 'e2e', calleeId: 'agent-2', task: 'overdue', deadline });
    return ids;
  });
}

/** A PostgreSQL database of the test's own, dropped after it whatever happens. */
export async function withDatabase(label: string, work: (database: TestDatabase) => Promise<void>): Promise<void> {
  const database = await createTestDatabase(label);
  try {
    await work(database);
  } finally {
    await database.drop();
  }
}
