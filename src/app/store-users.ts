import type { DelegationStore } from './ports.js';

/**
 * What runs on one container's store and must end before it closes: the sweeper's loop
 * and the subscriptions. A subscription left running on a closed store retries it
 * forever, and its timers keep the host's process alive.
 */
export class StoreUsers {
  private readonly stops: (() => Promise<void>)[] = [];

  add(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  stopAll(): Promise<void> {
    return Promise.all(this.stops.map((stop) => stop())).then(() => undefined);
  }
}

/**
 * The store as the container hands it out: the same object in every other respect
 * (a proxy, so `instanceof` and an adapter's own fields still work), but close()
 * first stops what runs on it, and a second close() answers as the first.
 */
export function closingUsersFirst(store: DelegationStore, users: StoreUsers): DelegationStore {
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= users.stopAll().then(() => store.close());
    return closing;
  };
  // Methods are bound to the adapter itself (one reading a #private field would throw on the
  // proxy), once each: the ledger calls them on every operation.
  const bound = new Map<PropertyKey, { method: Method; bound: Method }>();
  return new Proxy(store, {
    get(target, key) {
      if (key === 'close') return close;
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const known = bound.get(key);
      if (known?.method === value) return known.bound;
      const fresh = { method: value as Method, bound: (value as Method).bind(target) };
      bound.set(key, fresh);
      return fresh.bound;
    },
  });
}

type Method = (...args: never[]) => unknown;
