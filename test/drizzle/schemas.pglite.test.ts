import { LEDGER_TABLES } from './migrations-support.js';
import { Container } from 'inversify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/app/ledger-api.js';
import { configModule } from '../../src/app/config-module.js';
import { servicesModule } from '../../src/app/services-module.js';
import { TOKENS } from '../../src/app/tokens.js';
import { openPglite, type Connection } from '../../src/adapters/drizzle/connections.js';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import { migratePglite } from '../../src/adapters/drizzle/migrate.js';
import { ledgerTables } from '../../src/adapters/drizzle/schema/tables.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { T0 } from '../support/ledger-harness.js';

let connection: Awaited<ReturnType<typeof openPglite>>;

beforeAll(async () => {
  connection = await openPglite({ schema: 'tenant_a' });
  await migratePglite(connection.client, { schema: 'tenant_b' });
});

afterAll(async () => {
  await connection?.close();
});

function ledgerIn(schema: string): Ledger {
  const shared: Connection = { db: connection.db, tables: ledgerTables(schema), close: async () => undefined };
  const container = new Container();
  container.load(configModule({}, silentLogger, {}), drizzleModule(shared, { clock: new VirtualClock(T0) }), servicesModule);
  return container.get(TOKENS.Ledger);
}

const tablesIn = async (schema: string) =>
  (
    await connection.client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY table_name`,
    )
  ).rows.map((r) => r.table_name);

describe('a schema of the host’s choice (PGlite)', () => {
  it('keeps two ledgers in two schemas of one database apart, and public empty', async () => {
    const a = ledgerIn('tenant_a');
    const b = ledgerIn('tenant_b');
    await a.create({ delegationId: 'x', callerId: 'caller', calleeId: 'agent', task: "a's x" });
    await a.setStatus('x', 'dispatched');
    await b.create({ delegationId: 'x', callerId: 'caller', calleeId: 'agent', task: "b's x" });
    expect(await a.get('x')).toMatchObject({ status: 'dispatched', taskPreview: "a's x" });
    expect(await b.get('x')).toMatchObject({ status: 'queued', taskPreview: "b's x" });
    expect((await b.history('x')).map((e) => e.position)).toEqual([1]);
    const tables = [...LEDGER_TABLES];
    expect(await tablesIn('tenant_a')).toEqual(tables);
    expect(await tablesIn('tenant_b')).toEqual(tables);
    expect(await tablesIn('public')).toEqual([]);
  });
});
