import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import type { DelegationStore, StreamSnapshot } from '../../src/app/ports.js';
import { problemsOf, verifyProjections } from '../../src/app/verify.js';
import { openDelegations } from '../../src/delegations.js';
import type { WiredDelegations } from '../../src/wiring.js';
import type { StoredEvent } from '../../src/domain/index.js';
import { T0 } from '../support/memory.js';

/** A memory ledger with `ids` written through it, and the store under it (to read its snapshots as verify does). */
async function ledgerWith(ids: readonly string[]): Promise<{ d: WiredDelegations; store: DelegationStore }> {
  let store: DelegationStore | undefined;
  const d = await openDelegations({
    store: 'memory',
    clock: new VirtualClock(T0),
    bootGraceMs: 0,
    logger: silentLogger,
    env: {},
    decorateStore: (inner) => {
      store = inner;
      return inner;
    },
  });
  for (const id of ids) await d.ledger.create({ delegationId: id, callerId: 'caller', calleeId: 'agent', task: `task ${id}` });
  if (store === undefined) throw new Error('the store was never decorated');
  return { d, store };
}

async function snapshotOf(store: DelegationStore, id: string): Promise<StreamSnapshot> {
  const [snapshot] = (await store.scan(null, 1000)).filter((s) => s.delegation.delegationId === id);
  if (snapshot === undefined) throw new Error(`no snapshot of ${id}`);
  return snapshot;
}

/** A store whose scan answers pages of `snapshots` and records each page it was asked for. */
function scanning(snapshots: readonly StreamSnapshot[]): { store: DelegationStore; asked: [string | null, number][] } {
  const asked: [string | null, number][] = [];
  const scan = async (after: string | null, limit: number) => {
    asked.push([after, limit]);
    return snapshots.filter((s) => after === null || s.delegation.delegationId > after).slice(0, limit);
  };
  return { store: { scan } as unknown as DelegationStore, asked };
}

describe('verifyProjections', () => {
  it('reads every page: a full page asks for the next one after its last id, a short page ends the walk', async () => {
    const { d, store } = await ledgerWith(['a', 'b', 'c', 'd', 'e']);
    const snapshots = await store.scan(null, 1000);
    const five = scanning(snapshots);
    expect(await verifyProjections(five.store, 2)).toEqual({ checked: 5, mismatches: [] });
    expect(five.asked).toEqual([
      [null, 2],
      ['b', 2],
      ['d', 2],
    ]);
    // Five rows in pages of five: the page is full, so one more (empty) page proves there is no sixth.
    const exact = scanning(snapshots);
    expect(await verifyProjections(exact.store, 5)).toEqual({ checked: 5, mismatches: [] });
    expect(exact.asked).toEqual([
      [null, 5],
      ['e', 5],
    ]);
    expect((await verifyProjections(scanning([]).store)).checked).toBe(0);
    await d.close();
  });

  it('names the corrupted rows only, each with what the row has and what its events give', async () => {
    const { d, store } = await ledgerWith(['a', 'b', 'c']);
    const [a, b, c] = await store.scan(null, 10);
    if (a === undefined || b === undefined || c === undefined) throw new Error('three snapshots expected');
    const later = new Date(a.delegation.deadline.getTime() + 3_600_000);
    const forged = [
      { ...a, delegation: { ...a.delegation, status: 'completed' } },
      b,
      { ...c, delegation: { ...c.delegation, deadline: later, attempt: 2 } },
    ] as StreamSnapshot[];
    const report = await verifyProjections(scanning(forged).store);
    expect(report.checked).toBe(3);
    expect(report.mismatches).toEqual([
      { delegationId: 'a', problems: ['status: row has "completed", events give "queued"'] },
      {
        delegationId: 'c',
        problems: expect.arrayContaining([
          `deadline: row has ${later.toISOString()}, events give ${c.delegation.deadline.toISOString()}`,
          'attempt: row has 2, events give 1',
        ]),
      },
    ]);
    expect(report.mismatches[1]?.problems).toHaveLength(2);
    await d.close();
  });
});

describe('problemsOf', () => {
  it('ignores what only heartbeats write, and compares dates by instant, not by object', async () => {
    const { d, store } = await ledgerWith(['a']);
    const s = await snapshotOf(store, 'a');
    const beaten = { ...s.delegation, lastHeartbeat: new Date(T0.getTime() + 5), progress: 40, createdAt: new Date(s.delegation.createdAt.getTime()) };
    expect(problemsOf({ ...s, delegation: beaten })).toEqual([]);
    await d.close();
  });

  it('compares a retry policy by its fields, in any key order, and reports one that differs or has a field more', async () => {
    const { d, store } = await ledgerWith([]);
    await d.ledger.create({ delegationId: 'r', callerId: 'caller', calleeId: 'agent', task: 't', retry: { maxAttempts: 3 } });
    const s = await snapshotOf(store, 'r');
    const policy = s.delegation.retry as Record<string, unknown>;
    const reversed = Object.fromEntries(Object.entries(policy).reverse());
    expect(problemsOf({ ...s, delegation: { ...s.delegation, retry: reversed as never } })).toEqual([]);
    const fewer = { ...policy, maxAttempts: 4 };
    expect(problemsOf({ ...s, delegation: { ...s.delegation, retry: fewer as never } })).toEqual([
      `retry: row has ${JSON.stringify(fewer)}, events give ${JSON.stringify(policy)}`,
    ]);
    const more = { ...policy, extra: 1 };
    expect(problemsOf({ ...s, delegation: { ...s.delegation, retry: more as never } })).toHaveLength(1);
    const { maxAttempts: _dropped, ...less } = policy;
    expect(problemsOf({ ...s, delegation: { ...s.delegation, retry: { ...less, other: policy.maxAttempts } as never } })).toHaveLength(1);
    expect(problemsOf({ ...s, delegation: { ...s.delegation, retry: null } })).toHaveLength(1);
    await d.close();
  });

  it('reports a broken stream: a version out of place, a second terminal event, no events at all', async () => {
    const { d, store } = await ledgerWith(['a']);
    await d.ledger.setStatus('a', 'in_progress');
    await d.ledger.setStatus('a', 'completed');
    // A replay that fills the result: a detail event after the terminal one, which is not a second ending.
    await d.ledger.setStatus('a', 'completed', { resultPreview: 'done' });
    const s = await snapshotOf(store, 'a');
    expect(s.events.map((e) => e.type).at(-1)).toBe('detail_recorded');
    expect(problemsOf(s)).toEqual([]);

    const [first, second, ...rest] = s.events as StoredEvent[];
    if (first === undefined || second === undefined) throw new Error('events expected');
    const gap = [first, { ...second, version: 9 }, ...rest];
    expect(problemsOf({ ...s, events: gap })).toContain(`event at position ${second.position} has version 9, expected 2`);

    const completed = s.events.find((e) => e.type === 'completed') as StoredEvent;
    const twice = [...s.events, { ...completed, version: s.events.length + 1, position: completed.position + 100 }];
    expect(problemsOf({ ...s, events: twice })).toContain('2 terminal events');

    expect(problemsOf({ ...s, events: [] })).toEqual(['no events']);
    await d.close();
  });
});
