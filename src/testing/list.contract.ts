import { describe, expect, it } from 'vitest';
import { type Delegation, STATUSES } from '../domain/index.js';
import type { DelegationStore, ListQuery } from '../app/ports.js';
import { apply, at, SECOND, seed } from './streams.js';

type Given = () => Promise<DelegationStore>;

/** Every page of `query` in turn, each after the last row of the one before (the keyset). */
export async function allPages(store: DelegationStore, query: ListQuery, between?: (page: number) => Promise<void>): Promise<Delegation[][]> {
  const pages: Delegation[][] = [];
  let after: ListQuery['after'];
  for (;;) {
    const page = await store.list({ ...query, after });
    if (page.length === 0) return pages;
    pages.push(page);
    const last = page.at(-1) as Delegation;
    after = { createdAt: last.createdAt, delegationId: last.delegationId };
    await between?.(pages.length);
  }
}

/** Six delegations of two callers and two callees, created at 0, 1, 1, 1, 2 and 3 seconds (three tied), one cancelled. */
async function seeded(given: Given): Promise<DelegationStore> {
  const store = await given();
  const rows = [
    ['a', 'alice', 'x', 0],
    ['b', 'bob', 'x', 1],
    ['c', 'alice', 'y', 1],
    ['d', 'alice', 'x', 1],
    ['e', 'bob', 'y', 2],
    ['f', 'alice', 'y', 3],
  ] as const;
  for (const [id, callerId, calleeId, second] of rows) await seed(store, { id, callerId, calleeId, createdAt: at(second * SECOND) });
  await apply(store, 'e', { type: 'Cancel', reason: null, actor: 'operator' }, at(10 * SECOND));
  return store;
}

const ids = (rows: readonly Delegation[]) => rows.map((d) => d.delegationId);

/** list's filters (caller, callee, created before/after) and its keyset pages. */
export function describeListContract(given: Given): void {
  describe('list filters and pages', () => {
    it('filters by caller, by callee and by both, with the status filter, newest first and ties by id', async () => {
      const store = await seeded(given);
      const list = async (query: Partial<ListQuery>) => ids(await store.list({ statuses: STATUSES, limit: 100, ...query }));
      expect(await list({})).toEqual(['f', 'e', 'b', 'c', 'd', 'a']);
      expect(await list({ callerId: 'alice' })).toEqual(['f', 'c', 'd', 'a']);
      expect(await list({ calleeId: 'y' })).toEqual(['f', 'e', 'c']);
      expect(await list({ callerId: 'bob', calleeId: 'y' })).toEqual(['e']);
      expect(await list({ callerId: 'bob', statuses: ['queued'] })).toEqual(['b']);
      expect(await list({ callerId: 'nobody' })).toEqual([]);
    });

    it('filters by creation time, both bounds exclusive', async () => {
      const store = await seeded(given);
      const list = async (query: Partial<ListQuery>) => ids(await store.list({ statuses: STATUSES, limit: 100, ...query }));
      expect(await list({ createdAfter: at(SECOND) })).toEqual(['f', 'e']);
      expect(await list({ createdBefore: at(SECOND) })).toEqual(['a']);
      expect(await list({ createdAfter: at(0), createdBefore: at(2 * SECOND) })).toEqual(['b', 'c', 'd']);
      expect(await list({ createdAfter: at(2 * SECOND), createdBefore: at(2 * SECOND) })).toEqual([]);
    });

    it('pages after a position: the rows after it in list order, across ties, up to the limit', async () => {
      const store = await seeded(given);
      const after = { createdAt: at(SECOND), delegationId: 'b' };
      expect(ids(await store.list({ statuses: STATUSES, limit: 2, after }))).toEqual(['c', 'd']);
      expect(ids(await store.list({ statuses: STATUSES, limit: 100, after: { createdAt: at(SECOND), delegationId: 'd' } }))).toEqual(['a']);
      // A position between rows (no row has it) works as well: the cursor need not be a row that still matches.
      expect(ids(await store.list({ statuses: STATUSES, limit: 100, after: { createdAt: at(SECOND), delegationId: 'bb' } }))).toEqual(['c', 'd', 'a']);
      expect(ids(await store.list({ statuses: STATUSES, limit: 100, callerId: 'alice', after: { createdAt: at(3 * SECOND), delegationId: 'f' } }))).toEqual([
        'c',
        'd',
        'a',
      ]);
    });

    it('pages of every size, concatenated, are the whole filtered list: no row twice, none missing', async () => {
      const store = await seeded(given);
      for (const filter of [{}, { callerId: 'alice' }, { calleeId: 'x' }, { statuses: ['queued'] as const }]) {
        const query = { statuses: STATUSES, limit: 100, ...filter };
        const whole = ids(await store.list(query));
        for (const limit of [1, 2, 3, 5, 100])
          expect(ids((await allPages(store, { ...query, limit })).flat()), `${JSON.stringify(filter)} by ${limit}`).toEqual(whole);
      }
    });

    it('rows created while a client pages shift nothing: the rows there at the start come once each, in order', async () => {
      const store = await seeded(given);
      const before = ids(await store.list({ statuses: STATUSES, limit: 100 }));
      const pages = await allPages(store, { statuses: STATUSES, limit: 2 }, async (page) => {
        await seed(store, { id: `new-${page}`, createdAt: at(100 * SECOND + page) });
      });
      const seen = ids(pages.flat());
      expect(seen).toEqual(before);
    });
  });
}
