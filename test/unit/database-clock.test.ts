import { describe, expect, it } from 'vitest';
import type { DrizzleDb } from '../../src/adapters/drizzle/db.js';
import { DatabaseClock } from '../../src/adapters/drizzle/database-clock.js';

const T0 = Date.UTC(2026, 0, 1);

/**
 * A database whose clock is a counter the test moves: each read answers the time at which
 * it was sent (when the server runs clock_timestamp()), and answers only when the test says.
 */
function fakeDatabase() {
  const state = { time: 0, reads: 0 };
  const inFlight: (() => void)[] = [];
  const db = {
    execute: () => {
      state.reads += 1;
      const sentAt = state.time;
      return new Promise((resolve) => inFlight.push(() => resolve({ rows: [{ now: new Date(T0 + sentAt) }] })));
    },
  } as unknown as DrizzleDb;
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    db,
    state,
    /** The oldest read in flight answers; the clock may then send the next. */
    async answerOne(): Promise<void> {
      inFlight.shift()?.();
      await settle();
    },
    pending: () => inFlight.length,
    settle,
  };
}

describe('DatabaseClock shares its reads', () => {
  it('answers N concurrent callers with far fewer than N reads, each no earlier than its call', async () => {
    const database = fakeDatabase();
    const clock = new DatabaseClock(database.db);
    const calls: { at: number; answer: Promise<Date> }[] = [];
    const ROUNDS = 10;
    const CALLERS_PER_ROUND = 20;
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let caller = 0; caller < CALLERS_PER_ROUND; caller += 1) {
        database.state.time += 1;
        calls.push({ at: database.state.time, answer: clock.now() });
      }
      await database.settle();
      // One read on its way at a time: the callers of this round wait on the next one.
      expect(database.pending()).toBe(1);
      await database.answerOne();
    }
    while (database.pending() > 0) await database.answerOne();

    const answers = await Promise.all(calls.map((call) => call.answer));
    expect(database.state.reads).toBeLessThanOrEqual(ROUNDS + 1);
    expect(database.state.reads).toBeLessThan(calls.length / 10);
    calls.forEach((call, i) => expect(answers[i]?.getTime(), `call ${i}`).toBeGreaterThanOrEqual(T0 + call.at));
    // A Date of its own each: one caller mutating its answer cannot change another's.
    expect(new Set(answers).size).toBe(answers.length);
  });

  it('sends a fresh read for a call made after the last one answered', async () => {
    const database = fakeDatabase();
    const clock = new DatabaseClock(database.db);
    const first = clock.now();
    await database.settle();
    await database.answerOne();
    await first;
    database.state.time = 5;
    const second = clock.now();
    await database.settle();
    await database.answerOne();
    expect((await second).getTime()).toBe(T0 + 5);
    expect(database.state.reads).toBe(2);
  });
});
