import { Container } from 'inversify';
import { describe, expect, it, vi } from 'vitest';
import type { DelegationStore } from '../../src/app/ports.js';
import { closingUsersFirst, StoreUsers } from '../../src/app/store-users.js';
import { TOKENS } from '../../src/app/tokens.js';
import { memoryModule } from '../../src/adapters/memory/memory-module.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { loadDelegations } from '../../src/wiring.js';

/** An adapter as they are written: state in a #private field, read by its methods. */
class PrivateStore {
  readonly name = 'private';
  #rows = 3;
  readonly log: string[] = [];
  count(): number {
    return this.#rows;
  }
  async close(): Promise<void> {
    this.log.push('store closed');
  }
}

describe('the store a container hands out', () => {
  it('stops every user before it closes the store, and a second close answers as the first without closing twice', async () => {
    const inner = new PrivateStore();
    const users = new StoreUsers();
    let release: () => void = () => undefined;
    users.add(async () => {
      inner.log.push('sweeper stopping');
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      inner.log.push('sweeper stopped');
    });
    users.add(async () => {
      inner.log.push('subscriptions stopped');
    });
    const store = closingUsersFirst(inner as unknown as DelegationStore, users);
    const first = store.close();
    const second = store.close();
    await Promise.resolve();
    expect(inner.log).toEqual(['sweeper stopping', 'subscriptions stopped']);
    release();
    await Promise.all([first, second]);
    expect(second).toBe(first);
    expect(inner.log).toEqual(['sweeper stopping', 'subscriptions stopped', 'sweeper stopped', 'store closed']);
    await store.close();
    expect(inner.log.filter((line) => line === 'store closed')).toHaveLength(1);
  });

  it("calls an adapter's methods on the adapter itself (a #private field still reads), the same function each time, and passes fields through", () => {
    const store = closingUsersFirst(new PrivateStore() as unknown as DelegationStore, new StoreUsers()) as unknown as PrivateStore;
    expect(store.count()).toBe(3);
    const { count } = store;
    expect(count()).toBe(3);
    expect(store.count).toBe(store.count);
    expect(store.name).toBe('private');
    expect(store).toBeInstanceOf(PrivateStore);
  });

  it("closing a container's store stops its sweeper loop, its subscriptions, its webhook deliveries and its waiters first", async () => {
    const container = new Container();
    const d = loadDelegations(container, { adapter: memoryModule(), logger: silentLogger, env: {} });
    const stopped: string[] = [];
    const record = (name: string) => async () => {
      stopped.push(name);
    };
    vi.spyOn(container.get(TOKENS.Sweeper), 'stop').mockImplementation(record('sweeper'));
    vi.spyOn(container.get(TOKENS.Subscriptions), 'close').mockImplementation(record('subscriptions'));
    vi.spyOn(container.get(TOKENS.Webhooks), 'stop').mockImplementation(record('webhooks'));
    vi.spyOn(container.get(TOKENS.Waiters), 'close').mockImplementation(record('waiters'));
    await d.close();
    expect(stopped.sort()).toEqual(['subscriptions', 'sweeper', 'waiters', 'webhooks']);
  });
});
