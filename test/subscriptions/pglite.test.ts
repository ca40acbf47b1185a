import { afterAll, beforeAll } from 'vitest';
import { openPglite, type Connection } from '../../src/adapters/drizzle/connections.js';
import { describeSubscriptionContract } from './subscriptions.contract.js';
import { databaseTarget } from './support.js';

// One PGlite for the file (it takes seconds to start); each case empties the tables.
let pglite: (Connection & { close(): Promise<void> }) | undefined;
beforeAll(async () => {
  pglite = await openPglite({ migrate: true });
});
afterAll(async () => {
  await pglite?.close();
});

describeSubscriptionContract(
  databaseTarget('PGlite', () => {
    if (pglite === undefined) throw new Error('PGlite did not start');
    return { db: pglite.db, close: async () => undefined };
  }),
);
