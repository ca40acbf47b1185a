import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import type { DelegationStore, ListQuery } from '../../src/app/ports.js';
import { type Delegation, STATUSES } from '../../src/index.js';
import { allPages } from '../../src/testing/list.contract.js';
import { at, SECOND, seed } from '../../src/testing/streams.js';
import { usePglite } from '../support/pglite.js';

// Few distinct callers, callees and times, so filters match some rows and many rows tie on created_at.
const row = fc.record({ callerId: fc.constantFrom('alice', 'bob', 'carol'), calleeId: fc.constantFrom('x', 'y'), second: fc.integer({ min: 0, max: 5 }) });
const scenario = fc.record({
  rows: fc.array(row, { maxLength: 25 }),
  // Inserted one batch after each page, while the client pages.
  inserted: fc.array(fc.array(row, { maxLength: 3 }), { maxLength: 6 }),
  limit: fc.integer({ min: 1, max: 7 }),
  callerId: fc.option(fc.constantFrom('alice', 'bob', 'carol'), { nil: undefined }),
  calleeId: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
  createdAfter: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  createdBefore: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

/** What a client paging with the keyset sees, against the list as it stood when it began. */
async function check(store: DelegationStore, s: Scenario): Promise<void> {
  let n = 0;
  const add = async (r: Scenario['rows'][number]) => {
    n += 1;
    await seed(store, { id: `d${String(n).padStart(3, '0')}`, callerId: r.callerId, calleeId: r.calleeId, createdAt: at(r.second * SECOND) });
  };
  for (const r of s.rows) await add(r);
  const query: ListQuery = {
    statuses: STATUSES,
    limit: s.limit,
    callerId: s.callerId,
    calleeId: s.calleeId,
    createdAfter: s.createdAfter === undefined ? undefined : at(s.createdAfter * SECOND),
    createdBefore: s.createdBefore === undefined ? undefined : at(s.createdBefore * SECOND),
  };
  const before = ids(await store.list({ ...query, limit: 1000 }));
  const pages = await allPages(store, query, async (page) => {
    for (const r of s.inserted[page - 1] ?? []) await add(r);
  });
  const seen = ids(pages.flat());
  expect(pages.every((page) => page.length <= s.limit)).toBe(true);
  expect(new Set(seen).size, 'no row twice').toBe(seen.length);
  // No gap: every row there at the start is seen; the rows inserted meanwhile may appear only where the order puts them.
  expect(
    before.filter((id) => !seen.includes(id)),
    'no row missed',
  ).toEqual([]);
  const now = ids(await store.list({ ...query, limit: 1000 }));
  expect(seen, 'in list order').toEqual(now.filter((id) => seen.includes(id)));
  if (s.inserted.length === 0) expect(seen).toEqual(before);
}

const ids = (rows: readonly Delegation[]) => rows.map((d) => d.delegationId);

describe('keyset pages (property)', () => {
  test.prop([scenario], { numRuns: 150 })('memory: concatenated pages are the filtered list, no row twice or missed, while rows are inserted', async (s) => {
    await check(new MemoryDelegationStore(), s);
  });

  describe('PGlite', () => {
    const pglite = usePglite();
    test.prop([scenario], { numRuns: 25 })('the same on PGlite', async (s) => {
      await pglite().reset();
      await check(new DrizzleDelegationStore(pglite().db), s);
    });
  });
});
