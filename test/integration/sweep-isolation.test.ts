import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import type { Ledger, Sweeper } from '../../src/app/ledger-api.js';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import type { Connection } from '../../src/adapters/drizzle/connections.js';
import { memoryModule } from '../../src/adapters/memory/memory-module.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { loadDelegations } from '../../src/wiring.js';
import { HOUR, recordingLogger, T0 } from '../support/memory.js';
import { usePglite } from '../support/pglite.js';
import { usePostgresConnection } from '../support/postgres.js';
import { RefusingMemoryStore } from '../support/refusing-store.js';

const BATCH = 4;

type Target = {
  readonly ledger: Ledger;
  readonly sweeper: Sweeper;
  readonly clock: VirtualClock;
  readonly logger: ReturnType<typeof recordingLogger>;
  /** Makes every sweep statement that would move `id` fail, as a row a trigger rejects does. */
  poison(id: string, where: 'update' | 'event'): Promise<void>;
  cure(): Promise<void>;
};

type Opener = () => Promise<Target>;

function wired(adapter: ReturnType<typeof memoryModule>, clock: VirtualClock) {
  const logger = recordingLogger();
  const d = loadDelegations(new Container(), { adapter, logger, env: {}, config: { bootGraceMs: 0 } });
  return { ledger: d.ledger, sweeper: d.sweeper, clock, logger };
}

const memory: Opener = async () => {
  const clock = new VirtualClock(T0);
  const store = new RefusingMemoryStore({ sweepBatchSize: BATCH });
  let refused: string | null = null;
  return {
    ...wired(memoryModule({ clock, store }), clock),
    poison: async (id) => {
      refused = id;
      store.refuse(id);
    },
    cure: async () => {
      if (refused !== null) store.accept(refused);
    },
  };
};

// Raises inside the sweep's statement for the listed delegations: on a row's UPDATE or on its event's INSERT.
const poisonSql = (id: string, where: 'update' | 'event') => `
  CREATE TABLE IF NOT EXISTS poisoned_rows (id text PRIMARY KEY);
  INSERT INTO poisoned_rows VALUES ('${id}');
  CREATE OR REPLACE FUNCTION poison_row() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM poisoned_rows WHERE id = NEW.delegation_id) THEN RAISE EXCEPTION 'poisoned row %', NEW.delegation_id; END IF;
    RETURN NEW;
  END $$;
  CREATE OR REPLACE TRIGGER poison BEFORE ${where === 'update' ? 'UPDATE' : 'INSERT'} ON ${where === 'update' ? 'delegations' : 'delegation_events'}
    FOR EACH ROW EXECUTE FUNCTION poison_row();`;
const CURE = 'DROP TRIGGER IF EXISTS poison ON delegations; DROP TRIGGER IF EXISTS poison ON delegation_events; DROP TABLE IF EXISTS poisoned_rows;';

type Database = { readonly shared: Connection; reset(): Promise<void> };

/** `script` runs several statements at once (PGlite's exec, node-postgres's simple protocol). */
function onDatabase(connection: () => Database, script: (text: string) => Promise<unknown>): Opener {
  return async () => {
    const { shared, reset } = connection();
    const exec = script;
    await exec(CURE);
    await reset();
    const clock = new VirtualClock(T0);
    return {
      ...wired(drizzleModule(shared, { clock, sweepBatchSize: BATCH }), clock),
      poison: async (id, where) => void (await exec(poisonSql(id, where))),
      cure: async () => void (await exec(CURE)),
    };
  };
}

async function dueByDeadline(t: Target, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const created = await t.ledger.create({
      callerId: 'caller',
      calleeId: 'agent',
      task: `task ${i}`,
      delegationId: `d-${String(i).padStart(3, '0')}`,
      deadline: T0.getTime() + HOUR,
    });
    ids.push(created.delegationId);
  }
  t.clock.advance(2 * HOUR);
  return ids;
}

function suite(name: string, open: Opener) {
  describe(`a sweep no row can wedge (${name})`, () => {
    for (const where of ['update', 'event'] as const) {
      it(`skips and reports a delegation the database refuses (on its ${where}), applies the rest, and retries it next sweep`, async () => {
        const t = await open();
        const ids = await dueByDeadline(t, 10);
        const poisoned = ids[5] as string;
        await t.poison(poisoned, where);

        const first = await t.sweeper.sweep();
        expect(first).toMatchObject({ deadlineFailures: 9, errors: 0 });
        expect(first.skipped).toEqual([{ delegationId: poisoned, error: expect.stringContaining('P0001') }]);
        expect(t.sweeper.rowsSkipped).toBe(1);
        expect(t.logger.lines).toContainEqual(expect.objectContaining({ level: 'error', fields: expect.objectContaining({ delegationId: poisoned }) }));
        for (const id of ids) expect((await t.ledger.get(id))?.status).toBe(id === poisoned ? 'queued' : 'failed');
        // Nothing of the refused row was written: no status change, no event.
        expect((await t.ledger.history(poisoned)).map((e) => e.type)).toEqual(['created']);

        expect(await t.sweeper.sweep()).toMatchObject({ deadlineFailures: 0, skipped: [{ delegationId: poisoned }] });
        await t.cure();
        const healed = await t.sweeper.sweep();
        expect(healed).toMatchObject({ deadlineFailures: 1, skipped: [], errors: 0 });
        expect((await t.ledger.history(poisoned)).map((e) => e.type)).toEqual(['created', 'failed']);
        expect(t.sweeper.rowsSkipped).toBe(2);
      });
    }

    it('walks a backlog of 3.5 batches in one sweep', async () => {
      const t = await open();
      const ids = await dueByDeadline(t, BATCH * 3.5);
      expect(await t.sweeper.sweep()).toMatchObject({ deadlineFailures: ids.length, scanned: ids.length, skipped: [], errors: 0 });
      expect((await t.ledger.stats()).failed).toBe(ids.length);
    });

    it('reports every refused row of a page that refuses them all, and still sweeps the other pages', async () => {
      const t = await open();
      const ids = await dueByDeadline(t, BATCH * 2);
      for (const id of ids.slice(0, 3)) await t.poison(id, 'update');
      const result = await t.sweeper.sweep();
      expect(result.skipped.map((s) => s.delegationId).sort()).toEqual(ids.slice(0, 3));
      expect(result.deadlineFailures).toBe(ids.length - 3);
    });
  });
}

suite('memory', memory);
const pglite = usePglite();
suite(
  'PGlite',
  onDatabase(pglite, (text) => pglite().client.exec(text)),
);
const postgres = usePostgresConnection('sweep_isolation', 2);
suite(
  'PostgreSQL',
  onDatabase(postgres, (text) => postgres().pool.query(text)),
);
