import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../src/adapters/drizzle/migrate.js';
import { NotificationsUnavailableError, postgresNotifications } from '../../src/adapters/drizzle/notifications.js';
import { PoolerProbe } from '../../src/adapters/drizzle/pooler.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import type { Logger } from '../../src/app/ports.js';
import { openDelegations, type PostgresStoreOptions } from '../../src/delegations.js';
import type { StoredEvent } from '../../src/domain/index.js';
import { recordingLogger } from '../../src/testing/fixtures.js';
import type { WiredDelegations } from '../../src/wiring.js';
import { committedMigrations } from './migrations-support.js';
import { skipPgBouncer, usePgBouncer } from '../support/pgbouncer.js';
import { createTestDatabase, usePostgresDatabase, type TestDatabase } from '../support/postgres.js';

const recorded = async (pool: pg.Pool) =>
  (await pool.query('SELECT hash, created_at FROM public.delegation_migrations ORDER BY created_at')).rows.map((r) => ({
    hash: r.hash,
    createdAt: Number(r.created_at),
  }));

describe.skipIf(await skipPgBouncer())('through PgBouncer in transaction mode', () => {
  // Three server connections for every client pool below: clients outnumber them.
  const bouncer = usePgBouncer({ poolSize: 3 });
  const database = usePostgresDatabase('pooler');
  const pools: pg.Pool[] = [];
  const opened: WiredDelegations[] = [];
  const scratch: TestDatabase[] = [];
  const pool = (url: string, max = 4) => {
    const made = new pg.Pool({ connectionString: url, max });
    // A scratch database is dropped WITH (FORCE) after its case: an idle client it ends must not crash the file.
    made.on('error', () => undefined);
    pools.push(made);
    return made;
  };
  const viaBouncer = () => bouncer().url(database().name);
  const ledger = async (options: Partial<PostgresStoreOptions> & { logger?: Logger }) => {
    const wired = await openDelegations({ store: 'postgres', connectionString: viaBouncer(), poolSize: 8, logger: silentLogger, env: {}, ...options });
    opened.push(wired);
    return wired;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((d) => d.close()));
    await Promise.all(pools.splice(0).map((p) => p.end()));
    await Promise.all(scratch.splice(0).map((d) => d.drop()));
  });

  it('tells a pooled connection from a direct one', async () => {
    expect(await new PoolerProbe(pool(viaBouncer())).pooled()).toBe(true);
    expect(await new PoolerProbe(pool(database().url)).pooled()).toBe(false);
  });

  it('runs concurrent writers without named statements by default, where forcing them on collides', async () => {
    const work = async (d: WiredDelegations, prefix: string) => {
      const failures: unknown[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, worker) => {
          for (let i = 0; i < 5; i += 1) {
            const id = `${prefix}-${worker}-${i}`;
            try {
              await d.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: id });
              await d.ledger.setStatus(id, 'dispatched');
              await d.ledger.heartbeat(id);
              await d.ledger.setStatus(id, 'completed', { resultPreview: 'ok' });
            } catch (error) {
              failures.push(error);
            }
          }
        }),
      );
      return failures;
    };
    const auto = await ledger({});
    expect(await work(auto, 'auto')).toEqual([]);
    expect((await auto.ledger.stats()).completed).toBe(40);
    expect((await auto.verify()).mismatches).toEqual([]);

    // Eight clients parse the same name on three server connections: at least one meets it there.
    const forced = await ledger({ preparedStatements: true, migrate: false });
    const failures = await work(forced, 'forced');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.map((error) => (error as { sqlState?: string }).sqlState)).toEqual(expect.arrayContaining([expect.stringMatching(/^(26000|42P05)$/)]));
  });

  it('lets migrators that start together through the pooler migrate once: one applies, the others find nothing to do', async () => {
    const fresh = await createTestDatabase('pooler_migrate');
    scratch.push(fresh);
    const url = bouncer().url(fresh.name);
    const counts = await Promise.all(Array.from({ length: 4 }, () => migratePostgres(pool(url, 2))));
    expect(counts.sort()).toEqual([0, 0, 0, committedMigrations().length]);
    expect(await recorded(pool(fresh.url))).toEqual(committedMigrations());
  });

  it('finds that LISTEN cannot work through the pooler, and says so once; directly it listens', async () => {
    const pooled = postgresNotifications(pool(viaBouncer()));
    const noop = () => undefined;
    await expect(pooled.listen(noop, noop)).rejects.toMatchObject({ name: 'NotificationsUnavailableError', firstTime: true });
    await expect(pooled.listen(noop, noop)).rejects.toEqual(new NotificationsUnavailableError(false));
    const together = postgresNotifications(pool(viaBouncer()));
    const found = await Promise.allSettled([together.listen(noop, noop), together.listen(noop, noop)]);
    expect(found.map((outcome) => outcome.status === 'rejected' && (outcome.reason as NotificationsUnavailableError).firstTime).sort()).toEqual([false, true]);

    const direct = postgresNotifications(pool(database().url));
    let woken = 0;
    const session = await direct.listen(() => {
      woken += 1;
    }, noop);
    direct.announce();
    await expect.poll(() => woken).toBeGreaterThan(0);
    await session.close();
  });

  it('delivers every event to subscriptions and waiters by polling, with one warning, while another process writes', async () => {
    const logger = recordingLogger();
    const reader = await ledger({ logger });
    const writer = await ledger({ connectionString: database().url });
    const seen: Record<string, StoredEvent[]> = { a: [], b: [] };
    // Only this case's delegations: the other cases wrote to the same database.
    const ours = (events: readonly StoredEvent[]) => events.filter((event) => event.delegationId.startsWith('sub-'));
    const subscriptions = ['a', 'b'].map((name) =>
      reader.subscriptions.subscribe({ name, pollIntervalMs: 50, handler: (events) => void seen[name]?.push(...ours(events)) }),
    );
    await writer.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: 'sub-awaited' });
    const awaited = reader.ledger.waitFor('sub-awaited', { timeoutMs: 30_000 });
    for (let i = 0; i < 10; i += 1) await writer.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: `sub-${i}` });
    await writer.ledger.setStatus('sub-awaited', 'dispatched');
    await writer.ledger.setStatus('sub-awaited', 'completed', { resultPreview: 'done' });
    expect((await awaited).status).toBe('completed');

    const log = (await Promise.all(['sub-awaited', ...Array.from({ length: 10 }, (_, i) => `sub-${i}`)].map((id) => writer.ledger.history(id)))).flat();
    const positions = log.map((event) => event.position).sort((x, y) => x - y);
    await expect.poll(() => seen.a?.length, { timeout: 20_000 }).toBe(positions.length);
    await expect.poll(() => seen.b?.length, { timeout: 20_000 }).toBe(positions.length);
    expect(seen.a?.map((event) => event.position)).toEqual(positions);
    expect(seen.b?.map((event) => event.position)).toEqual(positions);
    const warnings = () => logger.lines.filter((line) => line.level === 'warn' && line.message.includes('LISTEN'));
    // The delivery proof gives a notification two seconds: polling delivered before it gave up.
    await expect.poll(() => warnings().length, { timeout: 10_000 }).toBe(1);
    const late = reader.subscriptions.subscribe({ name: 'late', pollIntervalMs: 50, handler: () => undefined });
    await expect.poll(() => late.position, { timeout: 10_000 }).toBeGreaterThanOrEqual(positions.at(-1) ?? 0);
    await Promise.all([...subscriptions, late].map((sub) => sub.stop()));
    expect(warnings()).toHaveLength(1);
    expect(logger.lines.filter((line) => line.message.includes('wake-ups lost'))).toEqual([]);
  });
});
