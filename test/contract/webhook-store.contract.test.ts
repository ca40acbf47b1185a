import { DrizzleWebhookStore } from '../../src/adapters/drizzle/drizzle-webhook-store.js';
import { MemoryWebhookStore } from '../../src/adapters/memory/memory-webhook-store.js';
import { describeWebhookStoreContract } from '../../src/testing.js';
import { usePglite } from '../support/pglite.js';
import { usePostgresConnection } from '../support/postgres.js';

const EMPTY = 'DELETE FROM webhook_endpoints';

describeWebhookStoreContract('memory', async () => new MemoryWebhookStore());

const pglite = usePglite();
describeWebhookStoreContract('PGlite', async () => {
  await pglite().exec(EMPTY);
  return new DrizzleWebhookStore(pglite().db);
});

const postgres = usePostgresConnection('webhooks', 2);
describeWebhookStoreContract('PostgreSQL', async () => {
  await postgres().exec(EMPTY);
  return new DrizzleWebhookStore(postgres().db);
});
