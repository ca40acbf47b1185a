import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../src/app/coalescer.js';

type Item = { key: string; n: number };

/** A coalescer whose batches the test releases by hand, recording what each held. */
function harness(maxBatch = 100, maxInFlight = 1) {
  const batches: Item[][] = [];
  const releases: (() => void)[] = [];
  const coalescer = new Coalescer<Item, string>(
    async (items) => {
      batches.push([...items]);
      await new Promise<void>((resolve) => releases.push(resolve));
      return items.map((item) => (item.n < 0 ? Promise.reject(new Error(`bad ${item.n}`)) : Promise.resolve(`${item.key}:${item.n}`)));
    },
    { keyOf: (item) => item.key, maxBatch, maxInFlight },
  );
  const keys = () => batches.map((batch) => batch.map((item) => `${item.key}${item.n}`));
  const release = async () => {
    while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
    releases.shift()?.();
  };
  return { coalescer, keys, release };
}

describe('Coalescer', () => {
  it('gathers the calls of one tick into one batch, and those made while it runs into the next', async () => {
    const h = harness();
    const first = ['a', 'b', 'c'].map((key, n) => h.coalescer.add({ key, n }));
    await h.release();
    const second = [h.coalescer.add({ key: 'd', n: 3 }), h.coalescer.add({ key: 'e', n: 4 })];
    expect(await Promise.all(first)).toEqual(['a:0', 'b:1', 'c:2']);
    await h.release();
    expect(await Promise.all(second)).toEqual(['d:3', 'e:4']);
    expect(h.keys()).toEqual([
      ['a0', 'b1', 'c2'],
      ['d3', 'e4'],
    ]);
  });

  it('never puts one key twice in a batch, and answers a key in call order', async () => {
    const h = harness();
    const calls = [h.coalescer.add({ key: 'a', n: 0 }), h.coalescer.add({ key: 'a', n: 1 }), h.coalescer.add({ key: 'b', n: 2 })];
    await h.release();
    await h.release();
    expect(await Promise.all(calls)).toEqual(['a:0', 'a:1', 'b:2']);
    expect(h.keys()).toEqual([['a0', 'b2'], ['a1']]);
  });

  it('bounds a batch, and runs at most maxInFlight at once', async () => {
    const h = harness(2, 2);
    const calls = ['a', 'b', 'c', 'd', 'e'].map((key, n) => h.coalescer.add({ key, n }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.keys()).toEqual([
      ['a0', 'b1'],
      ['c2', 'd3'],
    ]);
    for (let i = 0; i < 3; i += 1) await h.release();
    expect(await Promise.all(calls)).toEqual(['a:0', 'b:1', 'c:2', 'd:3', 'e:4']);
    expect(h.keys()).toEqual([['a0', 'b1'], ['c2', 'd3'], ['e4']]);
  });

  it("gives a failed item's error to its caller only, and a failed batch's to all of its callers", async () => {
    const h = harness();
    const mixed = [h.coalescer.add({ key: 'a', n: 0 }), h.coalescer.add({ key: 'b', n: -1 })];
    await h.release();
    expect(await mixed[0]).toBe('a:0');
    await expect(mixed[1]).rejects.toThrow('bad -1');
    const failing = new Coalescer<Item, string>(
      async () => {
        throw new Error('database down');
      },
      { keyOf: (item) => item.key, maxBatch: 10, maxInFlight: 1 },
    );
    const all = [failing.add({ key: 'a', n: 0 }), failing.add({ key: 'a', n: 1 }), failing.add({ key: 'b', n: 2 })];
    for (const call of all) await expect(call).rejects.toThrow('database down');
  });
});
