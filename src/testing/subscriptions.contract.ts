import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreClosedError, SubscriptionFailedError, type SubscriptionHandle } from '../app/subscriptions-api.js';
import { query } from '../adapters/drizzle/db.js';
import { ConfigurationError, InvalidInputError, type StoredEvent } from '../domain/index.js';
import { eventually, recordingLogger, sleep } from './fixtures.js';
import type { Ledgered, SubscriptionTarget } from './harness.js';

/** The subscription contract: the same cases on memory, PGlite and PostgreSQL. */
export function describeSubscriptionContract(target: SubscriptionTarget): void {
  describe(`subscriptions on ${target.label}`, () => {
    const opened: Ledgered[] = [];
    const open = async (...args: Parameters<SubscriptionTarget['open']>) => {
      const ledger = await target.open(...args);
      opened.push(ledger);
      return ledger;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((ledger) => ledger.close()));
    });

    it("reports the log's head and each durable checkpoint, so an operator can see how far behind a subscription is", async () => {
      const d = await open();
      expect(await d.feed.progress()).toEqual({ head: 0, subscriptions: [] });
      await lifecycle(d, 'p-1', 0);
      const sub = d.subscribe({ name: 'behind', pollIntervalMs: 50, handler: () => undefined });
      const tail = d.subscribe({ name: 'tail', checkpoint: false, pollIntervalMs: 50, handler: () => undefined });
      const caughtUp = await sub.caughtUp();
      await Promise.all([sub.stop(), tail.stop()]);
      await lifecycle(d, 'p-2', 1);
      const progress = await d.feed.progress();
      const head = (await committedPositions(d, ['p-1', 'p-2'])).at(-1);
      expect(progress.head).toBe(head);
      // A tail keeps its position in memory only: it is not a checkpoint.
      expect(progress.subscriptions.map(({ name, position }) => ({ name, position }))).toEqual([{ name: 'behind', position: caughtUp }]);
      expect(caughtUp).toBeLessThan(progress.head);
    });

    it('delivers every committed event once, in position order and in batches, while writers run concurrently', async () => {
      const d = await open();
      const batches: StoredEvent[][] = [];
      const checkpointsSeen: (number | null)[] = [];
      const sub: SubscriptionHandle = d.subscribe({
        name: 'all',
        batchSize: 7,
        pollIntervalMs: 50,
        handler: (events) => {
          checkpointsSeen.push(sub.position);
          batches.push([...events]);
        },
      });
      const rolledBack: string[] = [];
      const ids = await Promise.all(
        Array.from({ length: 6 }, async (_, writer) => {
          const mine: string[] = [];
          for (let i = 0; i < 12; i += 1) {
            mine.push(await lifecycle(d, `w${writer}-${i}`, i));
            if (target.rolledBack !== undefined && i % 4 === 0) {
              rolledBack.push(`rb${writer}-${i}`);
              await target.rolledBack(`rb${writer}-${i}`);
            }
          }
          return mine;
        }),
      );
      const truth = await committedPositions(d, ids.flat());
      await eventually('every event is delivered', () => (sub.position ?? 0) >= (truth.at(-1) ?? 0));
      const seen = batches.flat();
      expect(seen.map((event) => event.position)).toEqual(truth);
      expect(seen.some((event) => rolledBack.includes(event.delegationId))).toBe(false);
      expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(7);
      // The checkpoint moved after each batch: every batch starts where the one before ended.
      batches.slice(1).forEach((batch, i) => {
        expect(checkpointsSeen[i + 1]).toBeGreaterThanOrEqual(batches[i]?.at(-1)?.position ?? 0);
        expect(checkpointsSeen[i + 1]).toBeLessThan(batch[0]?.position ?? 0);
      });
    });

    it('resumes after its checkpoint when stopped and started again, with no duplicate', async () => {
      const d = await open();
      const ids = await createMany(d, 'a', 12);
      const seen: number[] = [];
      const first = d.subscribe({ name: 'resume', batchSize: 4, handler: (events) => void seen.push(...positions(events)) });
      await eventually('a first batch', () => seen.length >= 4);
      await first.stop();
      ids.push(...(await createMany(d, 'b', 12)));
      const second = d.subscribe({ name: 'resume', batchSize: 4, handler: (events) => void seen.push(...positions(events)) });
      const truth = await committedPositions(d, ids);
      expect(await second.caughtUp()).toBe(truth.at(-1));
      expect(seen).toEqual(truth);
    });

    it('after a crash in the middle of a batch loses nothing and repeats only that batch (at least once)', async () => {
      const d = await open();
      const ids = await createMany(d, 'c', 30);
      const seen: number[] = [];
      const failed: number[] = [];
      let batch = 0;
      const crashing = d.subscribe({
        name: 'crash',
        batchSize: 5,
        maxAttempts: 1,
        handler: (events) => {
          seen.push(...positions(events));
          batch += 1;
          if (batch === 3) {
            failed.push(...positions(events));
            throw new Error('the process died before the checkpoint');
          }
        },
      });
      await expect(crashing.done).rejects.toBeInstanceOf(SubscriptionFailedError);
      const restarted = d.subscribe({ name: 'crash', batchSize: 5, handler: (events) => void seen.push(...positions(events)) });
      const truth = await committedPositions(d, ids);
      await eventually('the restart catches up', () => restarted.position === truth.at(-1));
      expect([...new Set(seen)].sort((a, b) => a - b)).toEqual(truth);
      expect(duplicatesOf(seen)).toEqual(failed);
      expect(failed.length).toBeLessThanOrEqual(5);
    });

    it.runIf(target.db !== undefined)('transactional: the handler writes and the checkpoint commit together (exactly once)', async () => {
      const d = await open();
      const db = (target.db as NonNullable<SubscriptionTarget['db']>)();
      await query(db, sql`CREATE TABLE IF NOT EXISTS handled (position bigint NOT NULL)`);
      await query(db, sql`TRUNCATE handled`);
      const ids = await createMany(d, 't', 30);
      let batch = 0;
      const write = async (events: readonly StoredEvent[], tx: typeof db | null) => {
        for (const event of events) await query(tx ?? db, sql`INSERT INTO handled (position) VALUES (${event.position})`);
      };
      const crashing = d.subscribe({
        name: 'exactly-once',
        batchSize: 5,
        maxAttempts: 1,
        transactional: true,
        handler: async (events, { transaction }) => {
          await write(events, transaction);
          batch += 1;
          if (batch === 3) throw new Error('the process died before the commit');
        },
      });
      await expect(crashing.done).rejects.toBeInstanceOf(SubscriptionFailedError);
      const restarted = d.subscribe({
        name: 'exactly-once',
        batchSize: 5,
        transactional: true,
        handler: (events, { transaction }) => write(events, transaction),
      });
      const truth = await committedPositions(d, ids);
      await eventually('the restart catches up', () => restarted.position === truth.at(-1));
      const rows = await query(db, sql`SELECT position, count(*)::int AS n FROM handled GROUP BY position ORDER BY position`);
      expect(rows.map((row) => Number(row.position))).toEqual(truth);
      expect(rows.every((row) => row.n === 1)).toBe(true);
    });

    it('retries a failing handler with backoff, keeps the checkpoint before the event, and stops with a clear error', async () => {
      const logger = recordingLogger();
      const d = await open(logger);
      const ids = await createMany(d, 'p', 10);
      const truth = await committedPositions(d, ids);
      const poison = truth[5] as number;
      const attemptsAt: number[] = [];
      const handled: number[] = [];
      const sub = d.subscribe({
        name: 'poison',
        batchSize: 4,
        maxAttempts: 3,
        retryDelayMs: 20,
        handler: (events) => {
          if (events.some((event) => event.position === poison)) {
            if (events.length === 1) attemptsAt.push(performance.now());
            throw new Error('the caller is unreachable');
          }
          handled.push(...positions(events));
        },
      });
      const failure = await sub.done.then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(SubscriptionFailedError);
      expect(failure).toMatchObject({ subscription: 'poison', position: poison, attempts: 3 });
      expect(String((failure as Error).message)).toContain(`position ${poison}`);
      expect(sub.position).toBe(truth[4]);
      expect([...new Set(handled)]).toEqual(truth.slice(0, 5));
      // Backoff doubles: 20 ms, then 40 ms between the attempts on the event alone.
      expect((attemptsAt[1] as number) - (attemptsAt[0] as number)).toBeGreaterThanOrEqual(15);
      expect((attemptsAt[2] as number) - (attemptsAt[1] as number)).toBeGreaterThanOrEqual(35);
      const errors = logger.lines.filter((line) => line.level === 'error' && line.fields.position === poison);
      expect(errors.length).toBeGreaterThanOrEqual(3);
      // No silent skip: the next subscription under the name starts at the poisoned event.
      const next: number[] = [];
      const again = d.subscribe({ name: 'poison', batchSize: 1, handler: (events) => void next.push(...positions(events)) });
      await eventually('the poisoned event again', () => next.length > 0);
      await again.stop();
      expect(next[0]).toBe(poison);
    });

    it('stop() waits for the batch in progress and its checkpoint', async () => {
      const d = await open();
      const ids = await createMany(d, 's', 5);
      const truth = await committedPositions(d, ids);
      const slow = gatedHandler();
      const sub = d.subscribe({ name: 'slow', handler: slow.handler });
      await eventually('the handler runs', slow.entered);
      let stopped = false;
      const stopping = sub.stop().then(() => (stopped = true));
      await sleep(50);
      expect(stopped).toBe(false);
      slow.release();
      await stopping;
      expect(sub.position).toBe(truth.at(-1));
      await expect(sub.done).resolves.toBeUndefined();
    });

    it('closing the store stops its subscriptions after their batch in progress, and refuses new ones', async () => {
      const d = await open();
      const truth = await committedPositions(d, await createMany(d, 'close', 3));
      const idle = d.subscribe({ name: 'idle', pollIntervalMs: 60_000, handler: () => undefined });
      await idle.caughtUp();
      const slow = gatedHandler();
      const busy = d.subscribe({ name: 'busy', handler: slow.handler });
      await eventually('the handler runs', slow.entered);
      const closing = d.store.close();
      slow.release();
      await closing;
      // Without the stop, both would retry the closed store forever (and keep the process alive).
      await expect(idle.done).resolves.toBeUndefined();
      await expect(busy.done).resolves.toBeUndefined();
      expect(busy.position).toBe(truth.at(-1));
      expect(() => d.subscribe({ name: 'late', handler: () => undefined })).toThrow(StoreClosedError);
    });

    it('delivers only the chosen types, moves past the others, and starts where `from` says', async () => {
      const d = await open();
      const a = await d.ledger.create({ callerId: 'c', calleeId: 'x', task: 't', delegationId: 'ty-a' });
      const b = await d.ledger.create({ callerId: 'c', calleeId: 'x', task: 't', delegationId: 'ty-b' });
      await d.ledger.setStatus(a.delegationId, 'completed', { resultPreview: 'done' });
      await d.ledger.setStatus(b.delegationId, 'failed', { errorDetail: 'boom' });
      await d.ledger.create({ callerId: 'c', calleeId: 'x', task: 't', delegationId: 'ty-c' });
      const truth = await committedPositions(d, ['ty-a', 'ty-b', 'ty-c']);
      const outcomes: string[] = [];
      const typed = d.subscribe({
        name: 'outcomes',
        types: ['completed', 'failed'],
        handler: (events) => void outcomes.push(...events.map((e) => `${e.delegationId}:${e.type}`)),
      });
      await eventually('the checkpoint passes the last event', () => typed.position === truth.at(-1));
      expect(outcomes).toEqual(['ty-a:completed', 'ty-b:failed']);

      const fromThird: number[] = [];
      const numbered = d.subscribe({ name: 'from-3', from: truth[2], handler: (events) => void fromThird.push(...positions(events)) });
      await eventually('from a position', () => numbered.position === truth.at(-1));
      expect(fromThird).toEqual(truth.slice(2));

      const later: string[] = [];
      const fromEnd = d.subscribe({ name: 'from-end', from: 'end', handler: (events) => void later.push(...events.map((e) => e.delegationId)) });
      await eventually('the subscription has started', () => fromEnd.position !== null);
      await d.ledger.create({ callerId: 'c', calleeId: 'x', task: 't', delegationId: 'ty-d' });
      await eventually('the new event', () => later.length > 0);
      expect(later).toEqual(['ty-d']);
    });

    it('is woken by an append at once, without waiting for the poll', async () => {
      const d = await open();
      const seen: string[] = [];
      const sub = d.subscribe({ name: 'prompt', pollIntervalMs: 60_000, handler: (events) => void seen.push(...events.map((e) => e.delegationId)) });
      await eventually('the subscription is idle', () => sub.position !== null);
      await sleep(20);
      await d.ledger.create({ callerId: 'c', calleeId: 'x', task: 't', delegationId: 'wake' });
      await eventually('the event arrives well before the poll', () => seen.includes('wake'), 2_000);
    });

    it('refuses options it cannot honour', async () => {
      const d = await open();
      const handler = () => undefined;
      expect(() => d.subscribe({ name: '', handler })).toThrow(InvalidInputError);
      expect(() => d.subscribe({ name: 'x', batchSize: 0, handler })).toThrow(InvalidInputError);
      expect(() => d.subscribe({ name: 'x', from: 0, handler })).toThrow(InvalidInputError);
      expect(() => d.subscribe({ name: 'x', types: ['finished' as never], handler })).toThrow(InvalidInputError);
      const running = d.subscribe({ name: 'twice', handler });
      expect(() => d.subscribe({ name: 'twice', handler })).toThrow(InvalidInputError);
      await running.stop();
      if (target.db === undefined) expect(() => d.subscribe({ name: 'tx', transactional: true, handler })).toThrow(ConfigurationError);
    });
  });
}

/** A handler that holds its first batch until released. */
function gatedHandler() {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered = false;
  return {
    handler: async () => {
      entered = true;
      await gate;
    },
    entered: () => entered,
    release: () => release(),
  };
}

/** A delegation through the ledger, on to a terminal status most of the time. */
async function lifecycle(d: Ledgered, id: string, i: number): Promise<string> {
  await d.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'work', delegationId: id });
  await d.ledger.setStatus(id, 'dispatched');
  if (i % 3 === 0) return id;
  await d.ledger.setStatus(id, i % 3 === 1 ? 'completed' : 'failed', { resultPreview: 'ok', errorDetail: 'no' });
  return id;
}

async function createMany(d: Ledgered, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await d.ledger.create({ callerId: 'c', calleeId: 'x', task: 't', delegationId: `${prefix}${i}` })).delegationId);
  return ids;
}

/** The committed log of these delegations, from their streams: the ground truth a subscriber must match. */
async function committedPositions(d: Ledgered, ids: readonly string[]): Promise<number[]> {
  const streams = await Promise.all(ids.map((id) => d.ledger.history(id)));
  return streams
    .flat()
    .map((event) => event.position)
    .sort((a, b) => a - b);
}

const positions = (events: readonly StoredEvent[]) => events.map((event) => event.position);

function duplicatesOf(values: readonly number[]): number[] {
  const seen = new Set<number>();
  return values.filter((value) => {
    if (seen.has(value)) return true;
    seen.add(value);
    return false;
  });
}
