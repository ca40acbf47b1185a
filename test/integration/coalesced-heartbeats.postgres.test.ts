import { test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { openDelegations } from '../../src/delegations.js';
import type { WiredDelegations } from '../../src/wiring.js';
import { allAtOnce, beatCalls, buildFleet, comparable, endState, kinds, oneByOne } from '../model/coalesced-heartbeats.js';
import { type CountedPool, countedPool } from '../support/counted-pool.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { RESET_TABLES } from '../support/tables.js';

// On the database clock (the default wiring), where a beat reads the time in its own statement.
const database = usePostgresDatabase('coalesced_heartbeats');
let counted: CountedPool;
let lib: WiredDelegations;

beforeAll(async () => {
  counted = countedPool(database().url, 4);
  lib = await openDelegations({ store: 'postgres', pool: counted.pool, migrate: true, logger: silentLogger, env: {}, bootGraceMs: 0 });
});

afterAll(async () => {
  await lib?.close();
  await counted?.pool.end();
});

async function fleet(): Promise<void> {
  await counted.pool.query(RESET_TABLES);
  await buildFleet(lib.ledger);
}

describe('coalesced heartbeats on PostgreSQL', () => {
  test.prop([beatCalls(16)], { numRuns: 25 })('answer each caller as one-by-one calls would, and leave the same state', async (calls) => {
    await fleet();
    const expected = comparable(await oneByOne(lib.ledger, calls), false);
    const expectedState = comparable(await endState(lib.ledger), false);
    await fleet();
    const answers = await allAtOnce(lib.ledger, calls);
    expect(comparable(answers, false)).toEqual(expected);
    expect(comparable(await endState(lib.ledger), false)).toEqual(expectedState);
    expect(await lib.verify()).toMatchObject({ mismatches: [] });
  });

  it('gathers recorded, refused, stop and not-found beats of one tick into one statement', async () => {
    await fleet();
    counted.reset();
    const calls = [
      { delegationId: 'running', progress: 2 },
      { delegationId: 'running2', attempt: 1 },
      { delegationId: 'cancelled' },
      { delegationId: 'missing' },
      { delegationId: 'waiting' },
      { delegationId: 'running2', attempt: 2 },
    ];
    const answers = await allAtOnce(lib.ledger, calls);
    expect([...kinds(answers)].sort()).toEqual(['recorded', 'stop:cancelled', 'stop:not_found', 'stop:superseded', 'unchanged']);
    expect(answers.map((a) => a.outcome)).toEqual(['recorded', 'refused', 'refused', 'not_found', 'unchanged', 'recorded']);
    const updates = counted.statements().filter((text) => /FROM unnest/.test(text));
    // One for the five distinct delegations, one for running2's second beat; the rest are the refusals' reads.
    expect(updates).toHaveLength(2);
    expect(counted.statements()).toHaveLength(2 + 4);
  });
});
