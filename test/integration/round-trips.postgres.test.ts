import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { openDelegations } from '../../src/delegations.js';
import type { WiredDelegations } from '../../src/wiring.js';
import { type CountedPool, countedPool } from '../support/counted-pool.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { RESET_TABLES } from '../support/tables.js';

// Counted, not timed: what a transition and a heartbeat cost in statements on the database clock.
const database = usePostgresDatabase('round_trips');
let counted: CountedPool;
let lib: WiredDelegations;
let rival: WiredDelegations;

const open = (pool: CountedPool['pool']) => openDelegations({ store: 'postgres', pool, migrate: true, logger: silentLogger, env: {}, bootGraceMs: 0 });

beforeAll(async () => {
  counted = countedPool(database().url, 4);
  lib = await open(counted.pool);
  rival = await openDelegations({ store: 'postgres', connectionString: database().url, poolSize: 2, migrate: false, logger: silentLogger, env: {} });
});

afterAll(async () => {
  await lib?.close();
  await rival?.close();
  await counted?.pool.end();
});

async function given(...ids: string[]) {
  await counted.pool.query(RESET_TABLES);
  for (const id of ids) await lib.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'work', delegationId: id });
  counted.reset();
}

describe('round trips on the database clock', () => {
  it('a transition: the state with the time, then the guarded append', async () => {
    await given('d1');
    expect((await lib.ledger.setStatus('d1', 'dispatched')).outcome).toBe('applied');
    const [read, append, ...rest] = counted.statements();
    expect(rest).toEqual([]);
    expect(read).toMatch(/now\(\)/);
    expect(read).toMatch(/LEFT JOIN/);
    expect(append).toMatch(/WITH moved AS \(\s*UPDATE/);
    expect(await lib.verify()).toMatchObject({ mismatches: [] });
  });

  it('a refused or unchanged transition: the read alone', async () => {
    await given('d1');
    await lib.ledger.setStatus('d1', 'cancelled');
    counted.reset();
    expect((await lib.ledger.setStatus('d1', 'completed')).outcome).toBe('refused');
    expect((await lib.ledger.setStatus('d1', 'cancelled')).outcome).toBe('unchanged');
    expect(counted.statements()).toHaveLength(2);
  });

  it('a lost race: the guard fails, the ledger reads again and decides on what the winner wrote', async () => {
    await given('d1', 'd2');
    await lib.ledger.setStatus('d1', 'dispatched');
    await lib.ledger.setStatus('d2', 'dispatched');
    counted.reset();
    // The rival starts d1 between our read and our append: our completion still applies, after its start.
    counted.before(/WITH moved AS/, async () => {
      expect((await rival.ledger.setStatus('d1', 'in_progress')).outcome).toBe('applied');
    });
    const won = await lib.ledger.setStatus('d1', 'completed', { resultPreview: 'ok' });
    expect(won.outcome).toBe('applied');
    expect(counted.statements()).toHaveLength(4);
    expect((await lib.ledger.history('d1')).map((e) => e.type)).toEqual(['created', 'dispatched', 'started', 'completed']);
    counted.reset();
    // The rival cancels d2 in between: our completion is refused (terminal), never applied.
    counted.before(/WITH moved AS/, async () => {
      expect((await rival.ledger.cancel('d2')).outcome).toBe('applied');
    });
    const lost = await lib.ledger.setStatus('d2', 'completed');
    expect(lost).toMatchObject({ outcome: 'refused', delegation: { status: 'cancelled' } });
    expect(counted.statements()).toHaveLength(3);
    expect((await lib.ledger.history('d2')).map((e) => e.type)).toEqual(['created', 'dispatched', 'cancelled']);
    expect(await lib.verify()).toMatchObject({ mismatches: [] });
  });

  it('a heartbeat: one statement, and one for many beats made together', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `r${i}`);
    await given(...ids);
    for (const id of ids) await lib.ledger.setStatus(id, 'in_progress');
    counted.reset();
    const one = await lib.ledger.heartbeat('r0');
    expect(one).toMatchObject({ outcome: 'recorded', stop: false });
    expect(counted.statements()).toHaveLength(1);
    counted.reset();
    const many = await Promise.all(ids.map((id) => lib.ledger.heartbeat(id, { progress: 1 })));
    expect(many.every((a) => a.outcome === 'recorded' && a.delegation?.progress === 1)).toBe(true);
    const [update, ...rest] = counted.statements();
    expect(rest).toEqual([]);
    expect(update).toMatch(/UPDATE .* FROM unnest/s);
  });

  it('stamps a beat with the database time, taken after the call, in whole milliseconds', async () => {
    await given('r1');
    await lib.ledger.setStatus('r1', 'in_progress');
    const before = await lib.clock.now();
    const beat = await lib.ledger.heartbeat('r1');
    const after = await lib.clock.now();
    const stamp = beat.delegation?.lastHeartbeat as Date;
    expect(stamp.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(stamp.getTime()).toBeLessThanOrEqual(after.getTime());
    expect(await lib.ledger.get('r1')).toEqual(beat.delegation);
  });
});
