import { beforeAll, describe, expect, it } from 'vitest';
import { migratePglite } from '../../src/adapters/drizzle/migrate.js';
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

// A host's own schema: the same statements, qualified by the schema, never reaching public.
beforeAll(async () => {
  await migratePglite(pglite().client, { schema: 'tenant_hooks' });
});
describeWebhookStoreContract('PGlite, schema tenant_hooks', async () => {
  await pglite().exec('DELETE FROM tenant_hooks.webhook_endpoints');
  await pglite().exec('DELETE FROM public.webhook_endpoints');
  return new DrizzleWebhookStore(pglite().db, 'tenant_hooks');
});
describe('a webhook store in schema tenant_hooks', () => {
  it('wrote nothing in public', async () => {
    expect(
      await pglite().exec('SELECT (SELECT count(*) FROM tenant_hooks.webhook_endpoints) AS tenant, (SELECT count(*) FROM public.webhook_endpoints) AS public'),
    ).toEqual([{ tenant: expect.anything(), public: 0 }]);
    expect(Number((await pglite().exec('SELECT count(*) AS n FROM tenant_hooks.webhook_endpoints'))[0]?.n)).toBeGreaterThan(0);
  });
});

const postgres = usePostgresConnection('webhooks', 2);
describeWebhookStoreContract('PostgreSQL', async () => {
  await postgres().exec(EMPTY);
  return new DrizzleWebhookStore(postgres().db);
});
