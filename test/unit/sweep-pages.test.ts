import { describe, expect, it } from 'vitest';
import { DatabaseError, DatabaseUnavailableError, type SweepPolicy } from '../../src/domain/index.js';
import type { SweepScope, SweepTally } from '../../src/app/ports.js';
import { MAX_ISOLATION_STATEMENTS, MAX_SWEEP_PAGES, SweepPageRejectedError, walkSweep } from '../../src/app/sweep-pages.js';
import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { at, HOUR, seed } from '../../src/testing/streams.js';
import { recordingLogger } from '../support/memory.js';
import { RefusingMemoryStore } from '../support/refusing-store.js';

const POLICY: SweepPolicy = { thresholdMs: HOUR, staleRuleActive: true };
const NOW = at(2 * HOUR);

async function lateRows(store: MemoryDelegationStore, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `d-${String(i).padStart(4, '0')}`);
  for (const id of ids) await seed(store, { id, deadline: at(HOUR) });
  return ids;
}

/** Counts the store's sweep statements. */
class CountingStore extends RefusingMemoryStore {
  statements = 0;
  override async sweep(now: Date, policy: SweepPolicy, actor: string, scope?: SweepScope): Promise<SweepTally> {
    this.statements += 1;
    return super.sweep(now, policy, actor, scope);
  }
}

const walk = (store: MemoryDelegationStore, logger = recordingLogger()) =>
  walkSweep({ store, now: NOW, policy: POLICY, actor: 'sweeper', logger, onEvents: () => undefined });

describe('walkSweep', () => {
  it(`stops after ${MAX_SWEEP_PAGES} pages, says so, and the next sweep goes on from there`, async () => {
    const store = new MemoryDelegationStore({ sweepBatchSize: 1 });
    await lateRows(store, MAX_SWEEP_PAGES + 5);
    const logger = recordingLogger();
    expect(await walk(store, logger)).toMatchObject({ deadlineFailures: MAX_SWEEP_PAGES, pages: MAX_SWEEP_PAGES, skipped: [] });
    expect(logger.lines.map((line) => line.message)).toContain('sweep stopped at its page limit; the rest waits for the next sweep');
    expect(await walk(store)).toMatchObject({ deadlineFailures: 5, pages: 5 });
  });

  it('spends a bounded number of statements on a page where every row is refused, and writes none of them', async () => {
    const store = new CountingStore({ sweepBatchSize: 1000 });
    const ids = await lateRows(store, 600);
    for (const id of ids) store.refuse(id);
    const logger = recordingLogger();
    const result = await walk(store, logger);
    expect(logger.lines.map((line) => line.message)).toContain('sweep spent its budget isolating refused rows; the rest waits for the next sweep');
    expect(result.moved).toBe(0);
    expect(result.skipped.length).toBeGreaterThan(0);
    for (const { delegationId } of result.skipped) expect(ids).toContain(delegationId);
    expect(store.statements).toBeLessThanOrEqual(MAX_ISOLATION_STATEMENTS + MAX_SWEEP_PAGES);
    expect((await store.countByStatus()).queued).toBe(600);
  });

  it('fails the sweep when a refused page names no row to blame', async () => {
    const store = new MemoryDelegationStore();
    await lateRows(store, 2);
    const cause = new DatabaseError('rejected', 'P0001', 'the database refused the statement (SQLSTATE P0001)');
    store.sweep = async () => {
      throw new SweepPageRejectedError([], cause);
    };
    await expect(walk(store)).rejects.toBe(cause);
  });

  it('does not isolate anything when the database is unreachable: the sweep fails as a whole', async () => {
    const store = new CountingStore();
    await lateRows(store, 4);
    const lost = new DatabaseUnavailableError('08006', 'the database connection failed (SQLSTATE 08006)');
    const sweep = store.sweep.bind(store);
    store.sweep = async (...args) => {
      await sweep(...args);
      throw lost;
    };
    await expect(walk(store)).rejects.toBe(lost);
    expect(store.statements).toBe(1);
  });
});
