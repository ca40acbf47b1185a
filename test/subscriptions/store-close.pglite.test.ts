import 'reflect-metadata';
import { Container } from 'inversify';
import { expect, it } from 'vitest';
import { configModule } from '../../src/app/config-module.js';
import { servicesModule } from '../../src/app/services-module.js';
import { StoreClosedError } from '../../src/app/subscriptions-api.js';
import { TOKENS } from '../../src/app/tokens.js';
import { openPglite } from '../../src/adapters/drizzle/connections.js';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import { recordingLogger } from '../../src/testing.js';

// The README's host container, as written: its own PGlite, closed through TOKENS.Store.
// Before the store stopped its subscriptions, the runner retried the closed PGlite forever.
it('closing TOKENS.Store in a host container ends the subscription on it and leaves nothing retrying', async () => {
  const logger = recordingLogger();
  const connection = await openPglite({});
  const container = new Container();
  container.load(configModule({}, logger, {}), drizzleModule(connection), servicesModule);
  const ledger = container.get(TOKENS.Ledger);
  const seen: string[] = [];
  const sub = container.get(TOKENS.Subscriptions).subscribe({ name: 'host', handler: (events) => void seen.push(...events.map((e) => e.type)) });
  await ledger.create({ callerId: 'planner', calleeId: 'coder', task: 'fix it', delegationId: 'h1' });
  await sub.caughtUp();

  await container.get(TOKENS.Store).close();

  await expect(sub.done).resolves.toBeUndefined();
  expect(connection.client.closed).toBe(true);
  expect(seen).toEqual(['created']);
  expect(logger.lines.filter((line) => line.message.includes('retrying'))).toEqual([]);
  expect(() => container.get(TOKENS.Subscriptions).subscribe({ name: 'late', handler: () => undefined })).toThrow(StoreClosedError);
});
