import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../src/app/coalescer.js';

type Item = { key: string; n: number };

const keyOf = (item: Item) => item.key;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Fails fast (instead of at the test timeout) when a call that should answer does not. */
function within<T>(promise: Promise<T>, ms = 500): Promise<T | 'still waiting'> {
  return Promise.race([promise, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms).unref())]);
}

describe('Coalescer edges', () => {
  it('answers each caller with a plain value as well as with a promise', async () => {
    const coalescer = new Coalescer<Item, string>(async (items) => items.map((item) => `${item.key}:${item.n}`), { keyOf, maxBatch: 10, maxInFlight: 1 });
    const calls = [coalescer.add({ key: 'a', n: 0 }), coalescer.add({ key: 'b', n: 1 })];
    expect(await within(Promise.all(calls))).toEqual(['a:0', 'b:1']);
  });

  it('rejects the callers a batch gave no answer for, and answers the others', async () => {
    const batches: Item[][] = [];
    const coalescer = new Coalescer<Item, string>(
      async (items) => {
        batches.push([...items]);
        return items.slice(0, 1).map((item) => `${item.key}:${item.n}`);
      },
      { keyOf, maxBatch: 10, maxInFlight: 1 },
    );
    const [a, b, c] = [coalescer.add({ key: 'a', n: 0 }), coalescer.add({ key: 'b', n: 1 }), coalescer.add({ key: 'c', n: 2 })];
    expect(await within(a)).toBe('a:0');
    await expect(within(b)).rejects.toThrow('a batch gave no answer for one of its items');
    await expect(within(c)).rejects.toThrow('a batch gave no answer for one of its items');
    expect(batches).toHaveLength(1);
  });

  it('runs the next call on a key once the answer before it settles, even after its batch has finished', async () => {
    const batches: string[][] = [];
    const answers: ((value: string) => void)[] = [];
    const coalescer = new Coalescer<Item, string>(
      async (items) => {
        batches.push(items.map((item) => `${item.key}${item.n}`));
        // The shared work is done at once; each item's answer comes later.
        return items.map(() => new Promise<string>((resolve) => answers.push(resolve)));
      },
      { keyOf, maxBatch: 10, maxInFlight: 1 },
    );
    const first = coalescer.add({ key: 'a', n: 0 });
    await turn();
    const second = coalescer.add({ key: 'a', n: 1 });
    await turn();
    await turn();
    expect(batches).toEqual([['a0']]);
    answers.shift()?.('first');
    expect(await within(first)).toBe('first');
    await turn();
    await turn();
    expect(batches).toEqual([['a0'], ['a1']]);
    answers.shift()?.('second');
    expect(await within(second)).toBe('second');
  });

  it('gathers the calls made from one round of nextTick callbacks into one batch', async () => {
    const batches: string[][] = [];
    const coalescer = new Coalescer<Item, string>(
      async (items) => {
        batches.push(items.map((item) => `${item.key}${item.n}`));
        await turn();
        return items.map((item) => `${item.key}:${item.n}`);
      },
      { keyOf, maxBatch: 10, maxInFlight: 2 },
    );
    const calls: Promise<string>[] = [];
    calls.push(coalescer.add({ key: 'a', n: 0 }));
    queueMicrotask(() => process.nextTick(() => calls.push(coalescer.add({ key: 'c', n: 2 }))));
    calls.push(coalescer.add({ key: 'b', n: 1 }));
    queueMicrotask(() => process.nextTick(() => calls.push(coalescer.add({ key: 'd', n: 3 }))));
    await turn();
    expect(await within(Promise.all(calls))).toEqual(['a:0', 'b:1', 'c:2', 'd:3']);
    expect(batches).toEqual([
      ['a0', 'b1'],
      ['c2', 'd3'],
    ]);
  });

  it('gathers the calls made from one round of nextTick callbacks into one batch after a batch that threw at once', async () => {
    const batches: string[][] = [];
    const calls: Promise<string>[] = [];
    const coalescer = new Coalescer<Item, string>(
      (items) => {
        batches.push(items.map((item) => `${item.key}${item.n}`));
        if (batches.length === 1) {
          queueMicrotask(() => process.nextTick(() => calls.push(coalescer.add({ key: 'c', n: 2 }))));
          queueMicrotask(() => queueMicrotask(() => process.nextTick(() => calls.push(coalescer.add({ key: 'd', n: 3 })))));
          throw new Error('refused at once');
        }
        return Promise.resolve(items.map((item) => `${item.key}:${item.n}`));
      },
      { keyOf, maxBatch: 10, maxInFlight: 2 },
    );
    await expect(within(coalescer.add({ key: 'x', n: 0 }))).rejects.toThrow('refused at once');
    await turn();
    expect(await within(Promise.all(calls))).toEqual(['c:2', 'd:3']);
    expect(batches).toEqual([['x0'], ['c2', 'd3']]);
  });
});
