import { afterAll, beforeAll } from 'vitest';
import { connectPostgres, type Connection } from '../../src/adapters/drizzle/connections.js';
import { describeSubscriptionContract } from './subscriptions.contract.js';
import { createDatabase, databaseTarget } from './support.js';

// A database of this file's own, one pool for the file; each case empties the tables.
let connection: Connection | undefined;
let drop: (() => Promise<void>) | undefined;
beforeAll(async () => {
  const database = await createDatabase('contract');
  drop = database.drop;
  connection = await connectPostgres({ connectionString: database.url, poolSize: 6 });
});
afterAll(async () => {
  await connection?.close();
  await drop?.();
});

describeSubscriptionContract(
  databaseTarget('PostgreSQL', () => {
    if (connection === undefined) throw new Error('the PostgreSQL connection is not ready');
    return { db: connection.db, notifications: connection.notifications, close: async () => undefined };
  }),
);
