import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { verifyProjections, type ProjectionMismatch } from '../../src/app/verify.js';
import { openDelegations as createDelegations } from '../../src/delegations.js';
import type { WiredDelegations as Delegations } from '../../src/wiring.js';
import { T0 } from '../support/ledger-harness.js';
import { usePostgresDatabase } from '../support/postgres.js';

const database = usePostgresDatabase('verify_live');
let d: Delegations | undefined;

afterAll(async () => {
  await d?.close();
});

const WRITERS = 6;
const PER_WRITER = 40;

/** Each writer walks its delegations through a whole lifecycle, one transition at a time. */
async function writer(ledger: Delegations['ledger'], w: number): Promise<void> {
  for (let i = 0; i < PER_WRITER; i += 1) {
    const id = `w${w}-${String(i).padStart(3, '0')}`;
    await ledger.create({ delegationId: id, callerId: 'caller', calleeId: 'agent', task: 'work' });
    await ledger.setStatus(id, 'dispatched');
    await ledger.setStatus(id, 'in_progress');
    await ledger.setStatus(id, i % 3 === 0 ? 'failed' : 'completed', i % 3 === 0 ? { errorDetail: 'boom' } : { resultPreview: 'done' });
  }
}

describe('verify() on a live PostgreSQL database', () => {
  it('reports no mismatch while writers change the rows it reads', async () => {
    d = await createDelegations({
      store: 'postgres',
      connectionString: database().url,
      poolSize: 8,
      clock: new VirtualClock(T0),
      logger: silentLogger,
      env: {},
    });
    const store = d.store;
    const mismatches: ProjectionMismatch[] = [];
    let writing = true;
    let verified = 0;
    const writers = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer((d as Delegations).ledger, w))).finally(() => {
      writing = false;
    });
    // Small pages: every page is a chance for a write to land between its reads.
    const verifiers = Array.from({ length: 2 }, async () => {
      while (writing) {
        mismatches.push(...(await verifyProjections(store, 8)).mismatches);
        verified += 1;
      }
    });
    await Promise.all([writers, ...verifiers]);
    expect(verified).toBeGreaterThan(0);
    expect(mismatches).toEqual([]);
    expect(await d.verify()).toEqual({ checked: WRITERS * PER_WRITER, mismatches: [] });
  });
});
