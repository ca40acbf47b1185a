import fc from 'fast-check';
import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { STATUSES, type Status } from '../../src/domain/index.js';
import type { Connection } from '../../src/adapters/drizzle/connections.js';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { loadDelegations, type WiredDelegations } from '../../src/wiring.js';
import { HOUR, T0 } from '../support/memory.js';
import { usePglite } from '../support/pglite.js';
import { usePostgresConnection } from '../support/postgres.js';

type Database = { readonly shared: Connection; reset(): Promise<void>; exec(text: string): Promise<Record<string, unknown>[]> };

const CI = process.env.CI !== undefined;
const TARGETS = ['queued', 'dispatched', 'in_progress', 'stuck', 'input_required', 'completed', 'failed', 'cancelled', 'rejected'] as const;

/** What counting the table says, the truth the triggers' counts must equal. */
async function counted(db: Database): Promise<Record<Status, number>> {
  const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
  for (const row of await db.exec('SELECT status, count(*) AS n FROM delegations GROUP BY status')) counts[row.status as Status] = Number(row.n);
  return counts;
}

type Step =
  | { readonly kind: 'create'; readonly n: number }
  | { readonly kind: 'set'; readonly pick: number; readonly status: (typeof TARGETS)[number] }
  | { readonly kind: 'beat'; readonly pick: number }
  | { readonly kind: 'claim'; readonly limit: number }
  | { readonly kind: 'sweep'; readonly advanceMs: number }
  | { readonly kind: 'delete-terminal' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), n: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), status: fc.constantFrom(...TARGETS) }),
  fc.record({ kind: fc.constant('beat' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('claim' as const), limit: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('sweep' as const), advanceMs: fc.constantFrom(0, HOUR, 7 * HOUR) }),
  fc.constant({ kind: 'delete-terminal' as const }),
);

/** Runs a group of steps at once (the PostgreSQL pool has several sessions, so several shards). */
async function run(d: WiredDelegations & { clock: VirtualClock }, db: Database, steps: readonly Step[], ids: string[]): Promise<void> {
  const pick = (n: number) => ids[n % Math.max(ids.length, 1)];
  await Promise.all(
    steps.map(async (s) => {
      switch (s.kind) {
        case 'create':
          for (let i = 0; i < s.n; i += 1) {
            const id = `d${ids.length}`;
            ids.push(id);
            await d.ledger.create({
              delegationId: id,
              callerId: 'caller',
              calleeId: 'agent',
              task: 'counted',
            });
          }
          return;
        case 'set': {
          const id = pick(s.pick);
          if (id !== undefined) await d.ledger.setStatus(id, s.status);
          return;
        }
        case 'beat': {
          const id = pick(s.pick);
          if (id !== undefined) await d.ledger.heartbeat(id);
          return;
        }
        case 'claim':
          await d.ledger.claim({ calleeId: 'agent', limit: s.limit });
          return;
        case 'sweep':
          d.clock.advance(s.advanceMs);
          await d.sweeper.sweep();
          return;
        case 'delete-terminal':
          // What retention does: terminal rows go, with their events.
          await db.exec(`WITH gone AS (DELETE FROM delegation_events e USING delegations d
            WHERE e.delegation_id = d.delegation_id AND d.status IN ('completed', 'failed', 'cancelled', 'rejected') RETURNING e.delegation_id)
            DELETE FROM delegations WHERE delegation_id IN (SELECT delegation_id FROM gone)`);
          return;
      }
    }),
  );
}

function suite(name: string, database: () => Database) {
  describe(`stats() from the triggers' counts (${name})`, () => {
    it('equals a count of the table after any mix of writes, run concurrently', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(step, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), async (groups) => {
          const db = database();
          await db.reset();
          const clock = new VirtualClock(T0);
          const d = Object.assign(
            loadDelegations(new Container(), { adapter: drizzleModule(db.shared, { clock }), logger: silentLogger, env: {}, config: { bootGraceMs: 0 } }),
            { clock },
          );
          const ids: string[] = [];
          try {
            for (const group of groups) await run(d, db, group, ids);
            expect(await d.ledger.stats()).toEqual(await counted(db));
          } finally {
            await d.close();
          }
        }),
        { numRuns: CI ? 40 : 15 },
      );
    });

    it('starts again from zero when the table is truncated', async () => {
      const db = database();
      await db.reset();
      const clock = new VirtualClock(T0);
      const d = loadDelegations(new Container(), { adapter: drizzleModule(db.shared, { clock }), logger: silentLogger, env: {} });
      await d.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'gone soon' });
      await db.exec('TRUNCATE delegation_events, delegations');
      expect(await d.ledger.stats()).toEqual(await counted(db));
      await d.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'counted again' });
      expect((await d.ledger.stats()).queued).toBe(1);
      await d.close();
    });
  });
}

suite('PGlite', usePglite());
suite('PostgreSQL', usePostgresConnection('status_counts', 4));
