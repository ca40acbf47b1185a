import { LEDGER_TABLES } from './migrations-support.js';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { query } from '../../src/adapters/drizzle/db.js';
import type { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { openDelegations as createDelegations, type PostgresStoreOptions } from '../../src/delegations.js';
import type { WiredDelegations as Delegations } from '../../src/wiring.js';
import { InvalidInputError, type StoredEvent } from '../../src/domain/index.js';
import { T0 } from '../support/ledger-harness.js';
import { usePostgresDatabase } from '../support/postgres.js';

const database = usePostgresDatabase('schemas');
const opened: Delegations[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

/** A ledger on this file's database; `searchPath` sets the session's search_path through the connection string. */
async function ledger(options: Partial<PostgresStoreOptions> & { searchPath?: string } = {}): Promise<Delegations & { clock: VirtualClock }> {
  const { searchPath, ...rest } = options;
  const url = new URL(database().url);
  if (searchPath !== undefined) url.searchParams.set('options', `-c search_path=${searchPath}`);
  const clock = new VirtualClock(T0);
  const d = await createDelegations({
    store: 'postgres',
    connectionString: url.toString(),
    poolSize: 2,
    clock,
    logger: silentLogger,
    env: {},
    bootGraceMs: 0,
    ...rest,
  });
  opened.push(d);
  return Object.assign(d, { clock });
}

const rawSql = async (d: Delegations, text: string) => query((d.store as DrizzleDelegationStore).db, sql.raw(text));
const tablesIn = async (d: Delegations, schema: string) =>
  (await rawSql(d, `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY table_name`)).map((r) => r.table_name);

async function delivered(d: Delegations, transactional: boolean): Promise<StoredEvent[]> {
  const seen: StoredEvent[] = [];
  const sub = d.subscriptions.subscribe<unknown>({
    name: 'reader',
    from: 'start',
    transactional,
    pollIntervalMs: 20,
    handler: (events) => void seen.push(...events),
  });
  await sub.caughtUp();
  await sub.stop();
  return seen;
}

describe('a schema of the host’s choice (PostgreSQL)', () => {
  it('keeps two ledgers in two schemas of one database apart, whatever the session’s search_path', async () => {
    // search_path points nowhere: every statement must name its schema itself.
    const a = await ledger({ schema: 'tenant_a', searchPath: 'nowhere' });
    const b = await ledger({ schema: 'tenant_b', searchPath: 'nowhere' });
    for (const id of ['x', 'y']) await a.ledger.create({ delegationId: id, callerId: 'caller', calleeId: 'agent', task: `a's ${id}` });
    await a.ledger.setStatus('x', 'dispatched');
    await b.ledger.create({ delegationId: 'x', callerId: 'caller', calleeId: 'agent', task: "b's x" });

    expect(await a.ledger.get('x')).toMatchObject({ status: 'dispatched', taskPreview: "a's x" });
    expect(await b.ledger.get('x')).toMatchObject({ status: 'queued', taskPreview: "b's x" });
    expect(await b.ledger.get('y')).toBeNull();

    a.clock.advance(7 * 3_600_000);
    expect(await a.sweeper.sweep()).toMatchObject({ deadlineFailures: 2, errors: 0 });
    expect(await b.ledger.get('x')).toMatchObject({ status: 'queued' });
    expect((await a.ledger.stats()).failed).toBe(2);
    expect((await b.ledger.stats()).queued).toBe(1);

    // Each schema numbers its own log, and its subscribers (plain and transactional) see only it.
    expect((await b.ledger.history('x')).map((e) => e.position)).toEqual([1]);
    const inA = (await delivered(a, true)).map((e) => `${e.delegationId}:${e.type}`);
    expect(inA.slice(0, 3)).toEqual(['x:created', 'y:created', 'x:dispatched']);
    expect(inA.slice(3).sort()).toEqual(['x:failed', 'y:failed']);
    expect((await delivered(b, false)).map((e) => `${e.delegationId}:${e.position}`)).toEqual(['x:1']);
    expect(await a.verify()).toEqual({ checked: 2, mismatches: [] });
    expect(await b.verify()).toEqual({ checked: 1, mismatches: [] });

    expect(await tablesIn(a, 'tenant_a')).toEqual(LEDGER_TABLES);
    expect(await tablesIn(a, 'tenant_b')).toEqual(LEDGER_TABLES);
    expect(await tablesIn(a, 'public')).toEqual([]);
  });

  it('stays in public by default', async () => {
    const d = await ledger();
    await d.ledger.create({ delegationId: 'p', callerId: 'caller', calleeId: 'agent', task: 'public' });
    expect(await tablesIn(d, 'public')).toEqual(LEDGER_TABLES);
    expect(await rawSql(d, 'SELECT delegation_id FROM public.delegations')).toEqual([{ delegation_id: 'p' }]);
  });

  it('refuses a schema name that is not a plain identifier, before connecting', async () => {
    for (const schema of ['Tenant', 'a-b', '1x', 'x"; DROP TABLE delegations; --', 'pg_x', 'x'.repeat(46)]) {
      await expect(ledger({ schema })).rejects.toThrow(InvalidInputError);
    }
    await expect(ledger({ schema: 'a-b' })).rejects.toMatchObject({ field: 'schema' });
  });
});

describe('named prepared statements (PostgreSQL)', () => {
  const prepared = async (d: Delegations) => Number((await rawSql(d, 'SELECT count(*) AS n FROM pg_prepared_statements'))[0]?.n);
  const exercise = async (d: Delegations, id: string) => {
    await d.ledger.create({ delegationId: id, callerId: 'caller', calleeId: 'agent', task: 'work' });
    await d.ledger.setStatus(id, 'in_progress');
    await d.ledger.heartbeat(id);
    await d.ledger.get(id);
    await d.ledger.list({ status: 'in_flight' });
    await d.ledger.stats();
  };

  it('are used by default, and none is created with preparedStatements: false (a pooler in transaction mode)', async () => {
    // One connection each, so the session that ran the calls is the one asked.
    const on = await ledger({ schema: 'prepared_on', poolSize: 1 });
    await exercise(on, 'on');
    expect(await prepared(on)).toBeGreaterThanOrEqual(5);
    const off = await ledger({ schema: 'prepared_off', poolSize: 1, preparedStatements: false });
    await exercise(off, 'off');
    expect(await prepared(off)).toBe(0);
    expect(await off.ledger.get('off')).toMatchObject({ status: 'in_progress' });
  });
});
