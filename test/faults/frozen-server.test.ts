import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDelegations, DelegationError, silentLogger, type CreateDelegationsOptions, type Delegations } from '../../src/index.js';
import { auditLog, readLog, report } from './support/audit.js';
import { type ScratchCluster, skipScratchCluster, startScratchCluster } from './support/cluster.js';
import { Acknowledged } from './support/load.js';
import { until } from './support/wait.js';

// The bounds the library is asked for (contracts: statementTimeoutMs, connectTimeoutMs). A call
// that has not failed well past them is counted as hanging, so the test fails instead of waiting.
const STATEMENT_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 1_000;
const HANG_MS = 15_000;
const BEFORE = 20;

const skip = await skipScratchCluster();

type Settled = { readonly call: string; readonly error: unknown };

/** Runs `call`; resolves with what it threw, or with a 'hung' marker when it neither answered nor failed. */
async function failure(call: string, run: () => Promise<unknown>): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ call, error: `hung for ${HANG_MS} ms` }), HANG_MS);
  });
  try {
    return await Promise.race([run().then(() => ({ call, error: 'answered' })), hung]);
  } catch (error) {
    return { call, error };
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(skip)('a frozen PostgreSQL server (SIGSTOP of every process), then thawed', () => {
  let cluster: ScratchCluster;
  let admin: pg.Pool;
  let d: Delegations | undefined;

  beforeAll(async () => {
    cluster = await startScratchCluster();
    admin = new pg.Pool({ connectionString: cluster.url, max: 1 });
  });
  afterAll(async () => {
    await cluster?.thaw();
    await d?.close();
    await admin?.end();
    await cluster?.destroy();
  });

  it('fails the ledger and the sweeper with a typed timeout or unavailable error, then recovers on its own', async () => {
    // Not a literal: the timeout options are the drizzle helper's, agreed in contracts.md.
    const options = {
      store: 'postgres',
      connectionString: cluster.url,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      sweepIntervalMs: 200,
      logger: silentLogger,
      env: {},
    } as const;
    d = await createDelegations(options as CreateDelegationsOptions);
    const ledger = d.ledger;
    const acks = new Acknowledged();
    for (let i = 0; i < BEFORE; i += 1) {
      const created = await ledger.create({ delegationId: `before-${i}`, callerId: 'c', calleeId: 'agent', task: 't' });
      acks.add({ delegationId: created.delegationId, version: created.version, toStatus: created.status });
    }
    await d.sweeper.start();
    const sweeper = d.sweeper;
    await until('a sweep ran', () => sweeper.lastSweep !== null);

    await cluster.freeze();
    const failedBefore = sweeper.failedSweeps;
    let failures: Settled[];
    try {
      failures = await Promise.all([
        failure('create', () => ledger.create({ delegationId: 'during-freeze', callerId: 'c', calleeId: 'agent', task: 'secret task text' })),
        failure('setStatus', () => ledger.setStatus('before-0', 'dispatched')),
        failure('heartbeat', () => ledger.heartbeat('before-1')),
        failure('get', () => ledger.get('before-2')),
        failure('stats', () => ledger.stats()),
      ]);
      await until('the sweeper counted a failed sweep', () => sweeper.failedSweeps > failedBefore, HANG_MS);
    } finally {
      await cluster.thaw();
    }
    const failedDuringFreeze = sweeper.failedSweeps - failedBefore;
    const thawedAt = sweeper.lastSweep;
    await until('a sweep succeeded after the thaw', () => sweeper.lastSweep !== thawedAt && sweeper.lastSweep !== null, 30_000);
    const after = await ledger.setStatus('before-3', 'dispatched');
    if (after.outcome === 'applied') acks.add({ delegationId: 'before-3', version: after.event.version, toStatus: after.event.toStatus });

    const log = await readLog(admin);
    const audit = auditLog(log, acks.writes);
    const verified = await d.verify();
    const typed = failures.filter(({ error }) => error instanceof DelegationError);
    report('frozen server', {
      acknowledged: acks.writes.length,
      callsDuringFreeze: failures.length,
      typedFailures: typed.length,
      failedSweeps: failedDuringFreeze,
      lost: audit.lost,
      reversed: audit.reversed,
      mismatches: verified.mismatches.length,
    });

    for (const { call, error } of failures) {
      expect(error, call).toBeInstanceOf(DelegationError);
      expect((error as { kind?: unknown }).kind, call).toMatch(/^(timeout|unavailable)$/);
      // Never the SQL nor the caller's values.
      expect((error as Error).message, call).not.toMatch(/select|insert|update|secret task text/i);
    }
    expect(failedDuringFreeze).toBeGreaterThan(0);
    expect(after.outcome).toBe('applied');
    expect(audit).toMatchObject({ lost: 0, reversed: 0 });
    expect(verified.mismatches).toEqual([]);
  });
});
