import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { connectPostgres } from '../../src/adapters/drizzle/connections.js';
import { query } from '../../src/adapters/drizzle/db.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { createDelegations, type Delegations } from '../../src/delegations.js';
import { DatabaseTimeoutError, DatabaseUnavailableError, InvalidInputError } from '../../src/domain/index.js';
import { T0 } from '../support/ledger-harness.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { freezableProxy, type FreezableProxy } from './freezable-proxy.js';

const database = usePostgresDatabase('timeouts');
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The test database's URL with its host and port replaced by the proxy's. */
async function throughProxy(): Promise<{ proxy: FreezableProxy; url: string }> {
  const url = new URL(database().url);
  const proxy = await freezableProxy({ host: url.hostname, port: Number(url.port || 5432) });
  cleanups.push(() => proxy.close());
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return { proxy, url: url.toString() };
}

async function ledgerAt(url: string, statementTimeoutMs: number): Promise<Delegations> {
  const d = await createDelegations({
    store: 'postgres',
    connectionString: url,
    poolSize: 1,
    statementTimeoutMs,
    connectTimeoutMs: 300,
    clock: new VirtualClock(T0),
    logger: silentLogger,
    env: {},
  });
  cleanups.push(() => d.close());
  return d;
}

describe('time limits on database calls (PostgreSQL)', () => {
  it('fails calls to a frozen server with typed errors instead of hanging, and the sweep counts as failed', async () => {
    const { proxy, url } = await throughProxy();
    const d = await ledgerAt(url, 300);
    await d.ledger.create({ delegationId: 'd1', callerId: 'caller', calleeId: 'agent', task: 'work' });
    // Queued behind the create's NOTIFY on the one connection: once it answers, nothing is in flight.
    await d.ledger.get('d1');
    proxy.freeze();

    // The connection in the pool gets no answer: the client's own limit ends the call.
    await expect(d.ledger.get('d1')).rejects.toBeInstanceOf(DatabaseTimeoutError);
    // That connection was dropped; a new one is never answered: the connect limit ends the call.
    const unanswered = await d.ledger.get('d1').catch((e: unknown) => e);
    expect(unanswered).toBeInstanceOf(DatabaseUnavailableError);
    expect(unanswered).toMatchObject({ kind: 'unavailable', code: 'ETIMEDOUT' });
    expect(await d.sweeper.sweep()).toEqual({ deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0, errors: 1, scanned: 0, skipped: [] });
    expect(d.sweeper.failedSweeps).toBe(1);
  });

  it('ends a statement that runs past the limit on the server (statement_timeout)', async () => {
    const connection = await connectPostgres({ connectionString: database().url, statementTimeoutMs: 200, poolSize: 1 });
    cleanups.push(() => connection.close());
    const error = await query(connection.db, sql`SELECT pg_sleep(2)`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseTimeoutError);
    expect(error).toMatchObject({ kind: 'timeout', sqlState: '57014' });
    // The server cancelled the statement and kept the connection: the next call passes.
    expect(await query(connection.db, sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });

  it('bounds a wait for a row lock another session holds', async () => {
    const d = await ledgerAt(database().url, 300);
    await d.ledger.create({ delegationId: 'locked', callerId: 'caller', calleeId: 'agent', task: 'work' });
    const holder = new pg.Client({ connectionString: database().url });
    await holder.connect();
    cleanups.push(() => holder.end());
    await holder.query("BEGIN; SELECT 1 FROM delegations WHERE delegation_id = 'locked' FOR UPDATE");
    try {
      await expect(d.ledger.setStatus('locked', 'dispatched')).rejects.toBeInstanceOf(DatabaseTimeoutError);
    } finally {
      await holder.query('ROLLBACK');
    }
    expect(await d.ledger.setStatus('locked', 'dispatched')).toMatchObject({ outcome: 'applied' });
  });

  it('refuses limits that are not positive integers of milliseconds, naming the option', async () => {
    await expect(connectPostgres({ connectionString: database().url, statementTimeoutMs: 0 })).rejects.toMatchObject({ field: 'statementTimeoutMs' });
    await expect(connectPostgres({ connectionString: database().url, connectTimeoutMs: 1.5 })).rejects.toBeInstanceOf(InvalidInputError);
  });
});
