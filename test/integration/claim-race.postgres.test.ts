import fc from 'fast-check';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Delegation } from '../../src/domain/index.js';
import type { DrizzleDb } from '../../src/adapters/drizzle/db.js';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { apply, at, HOUR, MINUTE, running, seed, SECOND } from '../../src/testing/streams.js';
import { usePostgresConnection } from '../support/postgres.js';

const CI = process.env.CI !== undefined;
const RUNS = CI ? 100 : 40;
const MAX_CLAIMERS = 8;
const MAX_DELEGATIONS = 60;
const NOW = at(HOUR);

// One connection per claimer, one for seeding and reading back, one spare for the notifications.
const postgres = usePostgresConnection('claim_race', MAX_CLAIMERS + 2);

type Race = {
  readonly claimers: number;
  readonly delegations: number;
  readonly limits: readonly number[];
  /** Created-at offsets, so the oldest-first order has ties and gaps to get wrong. */
  readonly createdAt: readonly number[];
};

const race: fc.Arbitrary<Race> = fc
  .record({ claimers: fc.integer({ min: 2, max: MAX_CLAIMERS }), delegations: fc.integer({ min: 0, max: MAX_DELEGATIONS }) })
  .chain(({ claimers, delegations }) =>
    fc.record({
      claimers: fc.constant(claimers),
      delegations: fc.constant(delegations),
      limits: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: claimers, maxLength: claimers }),
      createdAt: fc.array(
        fc.integer({ min: 0, max: 20 }).map((s) => s * SECOND),
        { minLength: delegations, maxLength: delegations },
      ),
    }),
  );

const idOf = (index: number) => `q${String(index).padStart(3, '0')}`;

/** The claimable rows, and three a claimer must never take: another callee's, one in its backoff, one past its deadline. */
async function seedRace(store: DrizzleDelegationStore, r: Race): Promise<void> {
  for (const [index, offset] of r.createdAt.entries()) await seed(store, { id: idOf(index), createdAt: at(offset) });
  await seed(store, { id: 'other-callee', calleeId: 'someone-else' });
  await seed(store, { id: 'past-deadline', deadline: at(HOUR - 1) });
  const retry = { maxAttempts: 3, initialDelayMs: HOUR, backoffFactor: 2, maxDelayMs: 2 * HOUR, jitter: 0, requeueStuckAfterMs: null };
  await running(store, { id: 'in-backoff', retry }, at(0), at(0));
  await apply(store, 'in-backoff', { type: 'Fail', error: 'rate limited', retryable: true, sample: 0 }, at(MINUTE));
}

/**
 * One claimer on a connection of its own: claims until it gets nothing. Each call first waits for
 * the scheduler, so fast-check picks (and shrinks) the order in which claimers start their calls;
 * the calls themselves then run at once on the server, as a fleet's would.
 */
async function claimer(db: DrizzleDb, name: string, limit: number, scheduler: fc.Scheduler, stop: { stopped: boolean }): Promise<Delegation[]> {
  const store = new DrizzleDelegationStore(db);
  const got: Delegation[] = [];
  while (!stop.stopped) {
    await scheduler.schedule(Promise.resolve(), `${name} claims ${limit}`);
    const { delegations, events } = await store.claim({ calleeId: 'agent', limit, now: NOW, actor: name });
    expect(events.map((e) => e.delegationId)).toEqual(delegations.map((d) => d.delegationId));
    if (delegations.length === 0) return got;
    got.push(...delegations);
  }
  return got;
}

async function raceAgreesWithOnce(pool: pg.Pool, reset: () => Promise<void>, r: Race, scheduler: fc.Scheduler): Promise<void> {
  await reset();
  const reader = new DrizzleDelegationStore(postgres().db);
  await seedRace(reader, r);
  const clients = await Promise.all(Array.from({ length: r.claimers }, () => pool.connect()));
  const stop = { stopped: false };
  const claims = clients.map((client, i) => claimer(drizzle(client) as unknown as DrizzleDb, `w${i}`, r.limits[i] ?? 1, scheduler, stop));
  try {
    const got = await scheduler.waitFor(Promise.all(claims));
    const ids = Array.from({ length: r.delegations }, (_, i) => idOf(i));
    // Every delegation exactly once: no claimer twice, no two claimers the same one, none left behind.
    expect(
      got
        .flat()
        .map((d) => d.delegationId)
        .sort(),
    ).toEqual(ids);
    for (const [i, mine] of got.entries()) {
      for (const d of mine) {
        const dispatched = (await reader.history(d.delegationId)).filter((e) => e.type === 'dispatched');
        expect(dispatched, d.delegationId).toMatchObject([{ actor: `w${i}`, fromStatus: 'queued', version: 2 }]);
        expect(await reader.load(d.delegationId)).toEqual(d);
      }
    }
    for (const id of ['other-callee', 'past-deadline']) expect(await reader.load(id)).toMatchObject({ status: 'queued', version: 1 });
    expect(await reader.load('in-backoff')).toMatchObject({ status: 'queued', attempt: 2 });
  } finally {
    // A failed run stops the other claimers before their connections go back, so no statement outlives it.
    stop.stopped = true;
    await scheduler.waitFor(Promise.allSettled(claims));
    for (const client of clients) client.release();
  }
}

describe('claims under concurrent claimers on PostgreSQL', () => {
  it(`dispatches every queued delegation exactly once, to one claimer, with one event (${RUNS} runs, up to ${MAX_CLAIMERS} claimers × ${MAX_DELEGATIONS} delegations)`, async () => {
    await fc.assert(
      fc.asyncProperty(race, fc.scheduler(), (r, scheduler) => raceAgreesWithOnce(postgres().pool, postgres().reset, r, scheduler)),
      { numRuns: RUNS },
    );
  });
});
