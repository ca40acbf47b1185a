import { Container } from 'inversify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/app/ledger-api.js';
import { TOKENS } from '../../src/app/tokens.js';
import type { WebhookSettings } from '../../src/app/webhooks-api.js';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { eventually, sleep } from '../../src/testing.js';
import { loadDelegations } from '../../src/wiring.js';
import { usePglite } from '../support/pglite.js';
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';

const pglite = usePglite();
const SETTINGS: Partial<WebhookSettings> = { initialRetryDelayMs: 5, maxRetryDelayMs: 20, pauseAfterFailures: 3 };
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** A daemon's services over this file's PGlite: a second call is the same database after a restart. */
function openServices() {
  const container = new Container();
  container.bind(TOKENS.WebhookSettings).toConstantValue(SETTINGS);
  const d = loadDelegations(container, { adapter: drizzleModule(pglite().shared), logger: silentLogger, env: {} });
  let closed = false;
  const close = async () => {
    if (!closed) await d.close();
    closed = true;
  };
  closing.push(close);
  return { ledger: d.ledger, webhooks: d.webhooks, close };
}

async function receiver(decide: (n: number) => number): Promise<Receiver> {
  const r = await startReceiver(decide);
  closing.push(() => r.close());
  return r;
}

async function complete(ledger: Ledger, ids: readonly string[]): Promise<number[]> {
  for (const id of ids) {
    await ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: id });
    await ledger.setStatus(id, 'in_progress');
    await ledger.setStatus(id, 'completed');
  }
  const events = (await Promise.all(ids.map((id) => ledger.history(id)))).flat();
  return events.map((e) => e.position).sort((a, b) => a - b);
}

describe('webhooks on PGlite', () => {
  it('keep their checkpoint across a restart: events written while the daemon was down are delivered at the next start', async () => {
    await pglite().reset();
    const r = await receiver(() => 200);
    const first = openServices();
    await first.webhooks.start();
    const { endpoint, secret } = await first.webhooks.register({ url: r.url });
    r.setSecret(secret);
    await first.webhooks.caughtUp(endpoint.id);
    const before = await complete(first.ledger, ['a-1']);
    await eventually('the first events arrive', () => r.accepted().length === before.length);
    await first.close();

    const second = openServices();
    const during = await complete(second.ledger, ['a-2', 'a-3']);
    await second.webhooks.start();
    await eventually('the events written while stopped arrive', () => r.accepted().length === before.length + during.length);
    expect(r.accepted()).toEqual([...before, ...during]);
    expect(r.requests.every((q) => q.verified)).toBe(true);

    const checkpoint = `SELECT count(*)::int AS n FROM delegation_subscriptions WHERE name = 'webhook:${endpoint.id}'`;
    expect(await pglite().exec(checkpoint)).toEqual([{ n: 1 }]);
    expect(await second.webhooks.remove(endpoint.id)).toBe(true);
    expect(await pglite().exec(checkpoint)).toEqual([{ n: 0 }]);
  });

  it('keep a paused endpoint paused across a restart; resuming delivers from its checkpoint, nothing skipped', async () => {
    await pglite().reset();
    const r = await receiver(() => 500);
    const first = openServices();
    await first.webhooks.start();
    const { endpoint, secret } = await first.webhooks.register({ url: r.url, eventTypes: ['created', 'completed'] });
    r.setSecret(secret);
    await first.webhooks.caughtUp(endpoint.id);
    const positions = await complete(first.ledger, ['p-1', 'p-2']);
    await eventually('the endpoint is paused', async () => (await first.webhooks.get(endpoint.id))?.status === 'paused');
    await first.close();
    expect(r.requests).toHaveLength(3);

    const second = openServices();
    await second.webhooks.start();
    await sleep(100);
    expect(r.requests).toHaveLength(3);
    const log = await second.webhooks.deliveries(endpoint.id);
    expect(log?.deliveries.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [3, 'failed', 500],
      [2, 'failed', 500],
      [1, 'failed', 500],
    ]);
    r.answer(() => 204);
    await second.webhooks.resume(endpoint.id);
    const history = (await Promise.all(['p-1', 'p-2'].map((id) => second.ledger.history(id)))).flat();
    const wanted = history.filter((e) => e.type === 'created' || e.type === 'completed').map((e) => e.position);
    await eventually('every wanted event arrives', () => r.accepted().length === wanted.length);
    expect(r.accepted()).toEqual([...wanted].sort((a, b) => a - b));
    expect(r.requests[0]?.position).toBe(positions[0]);
    expect(r.requests.every((q) => q.verified)).toBe(true);
  });
});
