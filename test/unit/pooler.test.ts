import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PoolerProbe, preparedSwitch, throughPooler } from '../../src/adapters/drizzle/pooler.js';

/** A pool whose connections announce `announced` at login and then report `backend` as pg_backend_pid(). */
function fakePool(answers: ReadonlyArray<{ announced: number; backend: number } | Error>) {
  let asked = 0;
  const pool = {
    connect: async () => {
      const answer = answers[Math.min(asked, answers.length - 1)];
      asked += 1;
      if (answer instanceof Error) throw answer;
      return { processID: answer?.announced, query: async () => ({ rows: [{ pid: answer?.backend }] }), release: () => undefined };
    },
  };
  return { pool: pool as unknown as pg.Pool, asked: () => asked };
}

describe('pooler detection', () => {
  it('reads a pooler from a login key that is not the backend it reaches', () => {
    expect(throughPooler({ processID: 4242 }, 4242)).toBe(false);
    expect(throughPooler({ processID: 828239093 }, 4242)).toBe(true);
    expect(throughPooler({}, 4242)).toBeUndefined();
    expect(throughPooler({ processID: 0 }, 4242)).toBeUndefined();
  });

  it('asks once, and asks again after a failed probe instead of remembering the failure', async () => {
    const { pool, asked } = fakePool([new Error('connection refused'), { announced: 7, backend: 9 }]);
    const probe = new PoolerProbe(pool);
    await expect(probe.pooled()).rejects.toThrow();
    expect(probe.settled).toBe(false);
    expect(await Promise.all([probe.pooled(), probe.pooled()])).toEqual([true, true]);
    expect(await probe.pooled()).toBe(true);
    expect(asked()).toBe(2);
  });

  it("lets an explicit choice win, and 'auto' follow the probe", async () => {
    const pooled = new PoolerProbe(fakePool([{ announced: 7, backend: 9 }]).pool);
    const direct = new PoolerProbe(fakePool([{ announced: 9, backend: 9 }]).pool);
    expect(preparedSwitch(true, pooled)).toBe(true);
    expect(preparedSwitch(false, direct)).toBe(false);
    expect(preparedSwitch('auto', undefined)).toBe(true);
    const behindPooler = preparedSwitch('auto', pooled) as () => boolean | Promise<boolean>;
    const onDirect = preparedSwitch(undefined, direct) as () => boolean | Promise<boolean>;
    expect(await behindPooler()).toBe(false);
    expect(await onDirect()).toBe(true);
    // Known now: answered without waiting.
    expect(behindPooler()).toBe(false);
    expect(onDirect()).toBe(true);
  });
});
