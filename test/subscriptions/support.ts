import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Container, type ContainerModule } from 'inversify';
import pg from 'pg';
import { configModule } from '../../src/app/config-module.js';
import type { Logger } from '../../src/app/ports.js';
import { servicesModule } from '../../src/app/services-module.js';
import type { SubscribeOptions, SubscriptionHandle } from '../../src/app/subscriptions-api.js';
import { TOKENS } from '../../src/app/tokens.js';
import type { Connection } from '../../src/adapters/drizzle/connections.js';
import { query, type DrizzleDb, type Row } from '../../src/adapters/drizzle/db.js';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { memoryModule } from '../../src/adapters/memory/memory-module.js';
import type { Delegations } from '../../src/delegations.js';

/** What the subscription suite drives: a ledger, its store and subscriptions, in a container of the test's own. */
export type Ledgered = Pick<Delegations, 'ledger' | 'store'> & {
  subscribe(options: SubscribeOptions<DrizzleDb>): SubscriptionHandle;
  /** Stops the subscriptions; the connection (the file's) stays open. */
  close(): Promise<void>;
};

export type SubscriptionTarget = {
  readonly label: string;
  /** A ledger on emptied tables; every call of one case shares its feed (and so its checkpoints). */
  open(logger?: Logger): Promise<Ledgered>;
  /** Database targets: SQL on the same database, for effects written in the handler's transaction. */
  readonly db?: () => DrizzleDb;
  /** Database targets: a transaction that appends an event and rolls back. */
  rolledBack?(id: string): Promise<void>;
};

export const RESET = 'TRUNCATE delegation_events, delegations, delegation_subscriptions RESTART IDENTITY CASCADE';

/** The modules createDelegations loads, over a connection the file owns. */
export function ledgerOn(modules: ContainerModule, logger: Logger = silentLogger): Ledgered {
  const container = new Container();
  container.load(configModule({}, logger, {}), modules, servicesModule);
  const subscriptions = container.get(TOKENS.Subscriptions);
  return {
    ledger: container.get(TOKENS.Ledger),
    store: container.get(TOKENS.Store),
    subscribe: (options) => subscriptions.subscribe(options),
    close: () => subscriptions.stopAll(),
  };
}

export function memoryTarget(): SubscriptionTarget {
  return { label: 'memory', open: async (logger) => ledgerOn(memoryModule(), logger) };
}

export function databaseTarget(label: string, connection: () => Connection): SubscriptionTarget {
  const db = () => connection().db;
  return {
    label,
    db,
    open: async (logger) => {
      await query(db(), sql.raw(RESET));
      return ledgerOn(drizzleModule(connection()), logger);
    },
    rolledBack: async (id) => {
      await db()
        .transaction(async (tx) => {
          await insertDelegation(tx, id);
          await insertEvent(tx, id, 1);
          throw new RolledBack();
        })
        .catch((error) => {
          if (!(error instanceof RolledBack)) throw error;
        });
    },
  };
}

class RolledBack extends Error {}

/** A delegation row as the ledger writes it, by hand, for transactions the ledger would not hold open. */
export async function insertDelegation(db: DrizzleDb, id: string): Promise<void> {
  await query(
    db,
    sql`INSERT INTO delegations (delegation_id, caller_id, callee_id, task_preview, status, attempt, version, deadline, created_at, updated_at)
      VALUES (${id}, 'caller', 'agent', 'task', 'queued', 1, 1, now() + interval '1 hour', now(), now())`,
  );
}

/** Its event at `version` (1: created, 2: dispatched); returns the position it took. */
export async function insertEvent(db: DrizzleDb, id: string, version: number): Promise<number> {
  const [type, from, to] = version === 1 ? ['created', null, 'queued'] : ['dispatched', 'queued', 'dispatched'];
  const [row] = await query(
    db,
    sql`INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
      VALUES (${id}, ${version}, 1, ${type}, ${from}, ${to}, 'test', '{}'::jsonb, now()) RETURNING position`,
  );
  return Number((row as Row).position);
}

/** Resolves once `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A database of the test file's own on the local server; fails (never skips) when the server is unreachable. */
export async function createDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `dl_sub_${process.pid}_${randomBytes(3).toString('hex')}_${label}`.slice(0, 63);
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      await client.query(statement);
    } catch (error) {
      throw new Error(`PostgreSQL at ${adminUrl} failed (${(error as Error).message}); the subscription suite needs it running`, { cause: error });
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
