import { describe, expect, it } from 'vitest';
import { DatabaseError, DatabaseUnavailableError, type StoredEvent, type SweepPolicy } from '../../src/domain/index.js';
import type { DelegationStore, SweepScope, SweepTally } from '../../src/app/ports.js';
import { isStatementRejection, MAX_ISOLATION_STATEMENTS, MAX_SWEEP_PAGES, SweepPageRejectedError, walkSweep } from '../../src/app/sweep-pages.js';
import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { at, HOUR, seed } from '../../src/testing/streams.js';
import { recordingLogger } from '../support/memory.js';
import { RefusingMemoryStore } from '../support/refusing-store.js';

const POLICY: SweepPolicy = { thresholdMs: HOUR, staleRuleActive: true };
const NOW = at(2 * HOUR);
const REFUSED = 'the database refused the statement (SQLSTATE P0001)';
const BUDGET_SPENT = 'sweep spent its budget isolating refused rows; the rest waits for the next sweep';
const PAGE_LIMIT = 'sweep stopped at its page limit; the rest waits for the next sweep';
const ROW_SKIPPED = 'sweep could not move a delegation; skipped until the next sweep';

async function lateRows(store: DelegationStore, ids: readonly string[]): Promise<void> {
  for (const id of ids) await seed(store, { id, deadline: at(HOUR) });
}

/** The refusing store, recording each sweep statement's scope. */
class RecordingStore extends RefusingMemoryStore {
  readonly scopes: SweepScope[] = [];
  override async sweep(now: Date, policy: SweepPolicy, actor: string, scope: SweepScope = {}): Promise<SweepTally> {
    this.scopes.push(scope);
    return super.sweep(now, policy, actor, scope);
  }
}

function walk(store: DelegationStore) {
  const logger = recordingLogger();
  const batches: (readonly StoredEvent[])[] = [];
  const sweep = walkSweep({ store, now: NOW, policy: POLICY, actor: 'sweeper', logger, onEvents: (events) => batches.push(events) });
  return { sweep, logger, batches };
}

const rejection = () => new DatabaseError('rejected', 'P0001', REFUSED);
const warnings = (logger: ReturnType<typeof recordingLogger>) => logger.lines.filter((line) => line.level === 'warn');

describe('SweepPageRejectedError', () => {
  it('is named, and its message counts the rows and carries the database message', () => {
    const cause = rejection();
    const error = new SweepPageRejectedError(['a', 'b', 'c'], cause);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SweepPageRejectedError');
    expect(error.message).toBe(`a sweep page of 3 rows was refused: ${REFUSED}`);
    expect(error.cause).toBe(cause);
    expect(error.delegationIds).toEqual(['a', 'b', 'c']);
  });
});

describe('isStatementRejection', () => {
  it('holds for a database error of kind "rejected" only', () => {
    expect(isStatementRejection(rejection())).toBe(true);
    expect(isStatementRejection(new DatabaseError('timeout', '57014', 'the statement timed out'))).toBe(false);
    expect(isStatementRejection(new DatabaseError('conflict', '40001', 'serialization failure'))).toBe(false);
    expect(isStatementRejection(new DatabaseUnavailableError('08006', 'the database connection failed (SQLSTATE 08006)'))).toBe(false);
  });

  it('does not hold for something that only looks like one', () => {
    expect(isStatementRejection(Object.assign(new Error('refused'), { kind: 'rejected' }))).toBe(false);
    expect(isStatementRejection({ kind: 'rejected' })).toBe(false);
    expect(isStatementRejection(new Error('refused'))).toBe(false);
  });
});

describe('walkSweep, page by page', () => {
  it('given nothing due, then it reads one page, reports nothing and warns of nothing', async () => {
    const { sweep, logger, batches } = walk(new MemoryDelegationStore());
    expect(await sweep).toEqual({ deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0, scanned: 0, moved: 0, skipped: [], pages: 1 });
    expect(batches).toEqual([]);
    expect(logger.lines).toEqual([]);
  });

  it('given three late rows in pages of two, then it moves them all in two pages and hands each page its events', async () => {
    const store = new MemoryDelegationStore({ sweepBatchSize: 2 });
    await lateRows(store, ['a', 'b', 'c']);
    const { sweep, logger, batches } = walk(store);
    expect(await sweep).toEqual({ deadlineFailures: 3, stuckMarked: 0, requeued: 0, retriesExhausted: 0, scanned: 3, moved: 3, skipped: [], pages: 2 });
    expect(batches.map((events) => events.map((event) => event.delegationId))).toEqual([['a', 'b'], ['c']]);
    expect(warnings(logger)).toEqual([]);
  });

  it('given a full page that moved nothing, then it stops there instead of reading the same page again', async () => {
    let statements = 0;
    const store = {
      sweep: async (): Promise<SweepTally> => {
        statements += 1;
        return { deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0, scanned: 5, events: [], more: true };
      },
    } as unknown as DelegationStore;
    const { sweep, logger, batches } = walk(store);
    expect(await sweep).toMatchObject({ moved: 0, scanned: 5, pages: 1 });
    expect(statements).toBe(1);
    expect(batches).toEqual([]);
    expect(warnings(logger)).toEqual([]);
  });

  it(`given more pages than ${MAX_SWEEP_PAGES}, then the page-limit warning says how many pages and rows it read`, async () => {
    const store = new MemoryDelegationStore({ sweepBatchSize: 1 });
    await lateRows(
      store,
      Array.from({ length: MAX_SWEEP_PAGES + 2 }, (_, i) => `d-${String(i).padStart(3, '0')}`),
    );
    const { sweep, logger } = walk(store);
    expect(await sweep).toMatchObject({ pages: MAX_SWEEP_PAGES, moved: MAX_SWEEP_PAGES });
    expect(warnings(logger)).toEqual([{ level: 'warn', fields: { pages: MAX_SWEEP_PAGES, scanned: MAX_SWEEP_PAGES }, message: PAGE_LIMIT }]);
  });
});

describe('walkSweep, isolating refused rows', () => {
  it('given one refused row in a page, then the rest of the page moves, the row is skipped and logged, and later pages leave it out', async () => {
    const store = new RecordingStore({ sweepBatchSize: 2 });
    await lateRows(store, ['a', 'b', 'c']);
    store.refuse('a');
    const { sweep, logger, batches } = walk(store);
    expect(await sweep).toEqual({
      deadlineFailures: 2,
      stuckMarked: 0,
      requeued: 0,
      retriesExhausted: 0,
      scanned: 2,
      moved: 2,
      skipped: [{ delegationId: 'a', error: REFUSED }],
      pages: 2,
    });
    // The page [a, b], then its halves [a] (refused) and [b], then the next page without a.
    expect(store.scopes).toEqual([{ exclude: [] }, { only: ['a'] }, { only: ['b'] }, { exclude: ['a'] }]);
    expect(batches.map((events) => events.map((event) => event.delegationId))).toEqual([['b'], ['c']]);
    const errors = logger.lines.filter((line) => line.level === 'error');
    expect(errors).toEqual([{ level: 'error', fields: { delegationId: 'a', err: expect.any(DatabaseError), sqlState: 'P0001' }, message: ROW_SKIPPED }]);
    expect(errors[0]?.fields.err).toMatchObject({ kind: 'rejected', message: REFUSED });
    expect(warnings(logger)).toEqual([]);
    expect((await store.load('a'))?.status).toBe('queued');
  });

  it('given a page where every row is refused, then all are skipped, nothing moves, and the sweep ends without failing', async () => {
    const store = new RecordingStore();
    await lateRows(store, ['a', 'b']);
    store.refuse('a');
    store.refuse('b');
    const { sweep, logger } = walk(store);
    expect(await sweep).toMatchObject({
      moved: 0,
      skipped: [
        { delegationId: 'a', error: REFUSED },
        { delegationId: 'b', error: REFUSED },
      ],
      pages: 2,
    });
    expect(store.scopes).toEqual([{ exclude: [] }, { only: ['a'] }, { only: ['b'] }, { exclude: ['a', 'b'] }]);
    expect(warnings(logger)).toEqual([]);
  });

  it('given a page refused whole whose halves go through, then everything moves and nothing is skipped', async () => {
    const store = new RecordingStore();
    await lateRows(store, ['a', 'b']);
    const sweep = store.sweep.bind(store);
    let first = true;
    store.sweep = async (...args) => {
      if (!first) return sweep(...args);
      first = false;
      throw new SweepPageRejectedError(['a', 'b'], rejection());
    };
    const result = walk(store);
    expect(await result.sweep).toMatchObject({ moved: 2, deadlineFailures: 2, skipped: [], pages: 2 });
    expect(warnings(result.logger)).toEqual([]);
  });

  it('given the database lost while isolating, then the sweep fails with that error, not a rejection', async () => {
    const store = new RecordingStore();
    await lateRows(store, ['a', 'b']);
    const lost = new DatabaseUnavailableError('08006', 'the database connection failed (SQLSTATE 08006)');
    let first = true;
    store.sweep = async () => {
      if (!first) throw lost;
      first = false;
      throw new SweepPageRejectedError(['a', 'b'], rejection());
    };
    await expect(walk(store).sweep).rejects.toBe(lost);
  });

  it(`given more refused rows than the budget can isolate, then it spends exactly ${MAX_ISOLATION_STATEMENTS} statements on them and warns once`, async () => {
    const store = new RecordingStore();
    const ids = Array.from({ length: 600 }, (_, i) => `d-${String(i).padStart(4, '0')}`);
    await lateRows(store, ids);
    for (const id of ids) store.refuse(id);
    const { sweep, logger } = walk(store);
    const result = await sweep;
    expect(result.moved).toBe(0);
    expect(result.pages).toBe(2);
    expect(result.skipped.length).toBeGreaterThan(0);
    expect(result.skipped.length).toBeLessThan(ids.length);
    const isolating = store.scopes.filter((scope) => scope.only !== undefined);
    expect(isolating).toHaveLength(MAX_ISOLATION_STATEMENTS);
    expect(store.scopes).toHaveLength(MAX_ISOLATION_STATEMENTS + 2);
    expect(warnings(logger)).toEqual([{ level: 'warn', fields: { pages: 2, skipped: result.skipped.length }, message: BUDGET_SPENT }]);
  });
});
