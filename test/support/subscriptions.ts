import { sql } from 'drizzle-orm';
import { Container, type ContainerModule } from 'inversify';
import type { Logger } from '../../src/app/ports.js';
import type { Connection } from '../../src/adapters/drizzle/connections.js';
import { query, type DrizzleDb, type Row } from '../../src/adapters/drizzle/db.js';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { memoryModule } from '../../src/adapters/memory/memory-module.js';
import { ledgeredOf, type Ledgered, type SubscriptionTarget } from '../../src/testing.js';
import { loadDelegations } from '../../src/wiring.js';
import { RESET_WITH_CHECKPOINTS } from './tables.js';

export { eventually, sleep, type Ledgered, type SubscriptionTarget } from '../../src/testing.js';

/** The wiring createDelegations uses, over a connection the file owns (its close() is the file's, not the case's). */
export function ledgerOn(adapter: ContainerModule, logger: Logger = silentLogger): Ledgered {
  return ledgeredOf(loadDelegations(new Container(), { adapter, logger, env: {} }));
}

/** The file's connection as one case sees it: closing the case's store leaves it open. */
export function shared(connection: Connection): Connection {
  return { db: connection.db, notifications: connection.notifications, close: async () => undefined };
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
      await query(db(), sql.raw(RESET_WITH_CHECKPOINTS));
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
