import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/app/config.js';
import { LedgerService } from '../../src/app/ledger.js';
import type { EventFeed, FeedCursor, Logger } from '../../src/app/ports.js';
import { StoreClosedError } from '../../src/app/subscriptions-api.js';
import { DelegationWaiters } from '../../src/app/waiters.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { MemoryEventFeed } from '../../src/adapters/memory/memory-event-feed.js';
import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { InvalidInputError, WaitTimeoutError, type Delegation, type StoredEvent } from '../../src/domain/index.js';
import { recordingLogger, T0 } from '../support/memory.js';

/** The memory store, whose row and history reads a test can take over. */
class ScriptedStore extends MemoryDelegationStore {
  loadHook: ((id: string) => Promise<Delegation | null>) | null = null;
  historyHook: ((id: string) => Promise<StoredEvent[]>) | null = null;

  override load(delegationId: string): Promise<Delegation | null> {
    return this.loadHook?.(delegationId) ?? super.load(delegationId);
  }

  override history(delegationId: string): Promise<StoredEvent[]> {
    return this.historyHook?.(delegationId) ?? super.history(delegationId);
  }
}

/** The memory feed, with reads held back while `gate.closed`, and opens, reads and closes that can be made to fail. */
function scriptedFeed(inner: EventFeed) {
  let opened: (() => void) | null = null;
  const script = {
    closed: false,
    opens: 0,
    closes: 0,
    failOpens: 0,
    failNextRead: null as Error | null,
    closeWith: null as Promise<void> | null,
    open(): void {
      script.closed = false;
      opened?.();
    },
  };
  const feed: EventFeed = {
    supportsTransactions: inner.supportsTransactions,
    mark: () => inner.mark(),
    waitForAppend: (since, timeoutMs, abort) => inner.waitForAppend(since, timeoutMs, abort),
    progress: () => inner.progress(),
    open(request) {
      script.opens += 1;
      if (script.failOpens > 0) {
        script.failOpens -= 1;
        throw new Error('feed unavailable');
      }
      const cursor = inner.open(request);
      const held: FeedCursor = {
        async next(limit, handle) {
          if (script.closed) await new Promise<void>((resolve) => (opened = resolve));
          const failure = script.failNextRead;
          if (failure !== null) {
            script.failNextRead = null;
            throw failure;
          }
          return cursor.next(limit, handle);
        },
        async close() {
          script.closes += 1;
          await cursor.close();
          if (script.closeWith !== null) await script.closeWith;
        },
      };
      return held;
    },
  };
  return { feed, script };
}

function services(logger: Logger & { lines: unknown[] } = recordingLogger()) {
  const store = new ScriptedStore();
  const clock = new VirtualClock(T0);
  const { feed, script } = scriptedFeed(new MemoryEventFeed(store));
  const waiters = new DelegationWaiters(store, feed, clock, logger);
  const ledger = new LedgerService(store, clock, resolveConfig({}, {}, silentLogger), silentLogger, waiters);
  return { ledger, waiters, store, clock, feed, script, logger };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i += 1) await turn();
}

/** Fails fast (instead of at the test timeout) when a wait that should answer does not. */
function within<T>(promise: Promise<T>, ms = 1000): Promise<T | 'still waiting'> {
  return Promise.race([promise, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms).unref())]);
}

async function created(ledger: LedgerService, id = 'd1'): Promise<void> {
  await ledger.create({ callerId: 'caller', calleeId: 'agent', task: 't', delegationId: id });
}

async function running(ledger: LedgerService, id = 'd1'): Promise<void> {
  await created(ledger, id);
  await ledger.setStatus(id, 'dispatched');
  await ledger.setStatus(id, 'in_progress');
}

describe('waitFor input', () => {
  it('names the field and the problem of a bad signal or until', async () => {
    const { ledger } = services();
    await expect(ledger.waitFor('d1', { signal: {} as AbortSignal })).rejects.toThrow(new InvalidInputError('signal', 'must be an AbortSignal'));
    await expect(ledger.waitFor('d1', { until: 'completed' as never })).rejects.toThrow('invalid until: must be an array of statuses');
    await expect(ledger.waitFor('d1', { until: 'completed' as never })).rejects.toMatchObject({ field: 'until', problem: 'must be an array of statuses' });
    await expect(ledger.waitFor('d1', { until: ['done' as never] })).rejects.toThrow('invalid until: unknown status "done"');
  });
});

describe('DelegationWaiters edges', () => {
  it('rejects a waitFor with the error of the row read that fails', async () => {
    const { ledger, waiters, store } = services();
    await running(ledger);
    store.loadHook = async () => {
      throw new Error('database down');
    };
    await expect(within(ledger.waitFor('d1'))).rejects.toThrow('database down');
    expect(waiters.size).toBe(0);
  });

  it('rejects pending waits on close with StoreClosedError, and refuses waits after it', async () => {
    const { ledger, waiters } = services();
    await running(ledger);
    const pending = ledger.waitFor('d1');
    await turns();
    await waiters.close();
    await expect(pending).rejects.toThrow(new StoreClosedError('the store is closed: no waitFor can be answered on it'));
    await expect(ledger.waitFor('d1')).rejects.toThrow('the store is closed: no waitFor can be answered on it');
    expect(waiters.reading).toBe(false);
  });

  it('logs a reader that fails to start, rejects its waiters, and starts a new reader for the next wait', async () => {
    const logger = recordingLogger();
    const { ledger, waiters, script } = services(logger);
    await running(ledger);
    script.failOpens = 1;
    await expect(within(ledger.waitFor('d1'))).rejects.toThrow('feed unavailable');
    const stopped = logger.lines.filter((line) => line.level === 'error');
    expect(stopped).toEqual([
      {
        level: 'error',
        fields: { err: expect.objectContaining({ message: 'feed unavailable' }), waiters: 1 },
        message: 'waitFor reader stopped; its waiters are rejected',
      },
    ]);
    expect(waiters.reading).toBe(false);
    const second = ledger.waitFor('d1');
    await turns();
    expect(waiters.reading).toBe(true);
    await ledger.setStatus('d1', 'completed');
    expect(await within(second)).toMatchObject({ status: 'completed' });
    expect(script.opens).toBe(2);
  });

  it('ignores a failure of a reader that is already stopping, even once a new reader serves new waits', async () => {
    const logger = recordingLogger();
    const { ledger, waiters, script } = services(logger);
    await running(ledger, 'd1');
    await running(ledger, 'd2');
    let failClose: (error: Error) => void = () => undefined;
    script.closeWith = new Promise<void>((_, reject) => (failClose = reject));
    const first = ledger.waitFor('d1');
    await turns();
    await ledger.setStatus('d1', 'completed');
    expect(await within(first)).toMatchObject({ status: 'completed' });
    await expect.poll(() => script.closes).toBe(1);
    script.closeWith = null;
    const second = ledger.waitFor('d2');
    await turns();
    failClose(new Error('close failed'));
    await turns();
    expect(logger.lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(waiters.reading).toBe(true);
    await ledger.setStatus('d2', 'completed');
    expect(await within(second)).toMatchObject({ status: 'completed', delegationId: 'd2' });
  });

  it('logs each reader start and stop at debug, named by a count of readers, not transactional, keeping no checkpoint', async () => {
    const logger = recordingLogger();
    const { ledger, waiters, feed } = services(logger);
    await running(ledger);
    for (const _ of [1, 2]) {
      const waiting = ledger.waitFor('d1', { until: ['input_required'] });
      await turns();
      expect((await feed.progress()).subscriptions).toEqual([]);
      await ledger.requestInput('d1', { question: 'q' });
      await within(waiting);
      await ledger.resume('d1', { answer: 'a' });
      await expect.poll(() => waiters.reading).toBe(false);
    }
    expect(logger.lines.filter((line) => line.message === 'subscription started')).toEqual([
      { level: 'debug', fields: { subscription: 'delegations.waitFor.1', transactional: false }, message: 'subscription started' },
      { level: 'debug', fields: { subscription: 'delegations.waitFor.2', transactional: false }, message: 'subscription started' },
    ]);
    expect(logger.lines.filter((line) => line.level !== 'debug')).toEqual([]);
  });

  it('passes over events of delegations nobody waits on', async () => {
    const logger = recordingLogger();
    const { ledger } = services(logger);
    await running(ledger, 'd1');
    const waiting = ledger.waitFor('d1');
    await turns();
    await running(ledger, 'd2');
    await turns();
    await ledger.setStatus('d1', 'completed');
    expect(await within(waiting)).toMatchObject({ delegationId: 'd1', status: 'completed' });
    expect(logger.lines.filter((line) => line.level !== 'debug')).toEqual([]);
  });

  it('hands a waiter the delegation as the first awaited event left it when several are read at once', async () => {
    const { ledger, script } = services();
    await running(ledger);
    const asked = ledger.waitFor('d1', { until: ['input_required'] });
    await turns();
    script.closed = true;
    await ledger.requestInput('d1', { question: 'first?' });
    await ledger.resume('d1', { answer: '1' });
    await ledger.requestInput('d1', { question: 'second?' });
    await ledger.resume('d1', { answer: '2' });
    script.open();
    expect(await within(asked)).toMatchObject({ status: 'input_required', errorDetail: 'first?', version: 4 });
  });

  it('hands a waiter the row as it is now when it is in an awaited status', async () => {
    const { ledger, script } = services();
    await created(ledger);
    const started = ledger.waitFor('d1', { until: ['in_progress'] });
    await turns();
    script.closed = true;
    await ledger.setStatus('d1', 'dispatched');
    await ledger.setStatus('d1', 'in_progress');
    await ledger.requestInput('d1', { question: 'q' });
    await ledger.resume('d1', { answer: 'a' });
    script.open();
    expect(await within(started)).toMatchObject({ status: 'in_progress', version: 5 });
  });

  it('leaves a waiter waiting, with nothing logged, when its delegation is gone by the time the reader looks', async () => {
    const logger = recordingLogger();
    const { ledger, waiters, store, clock, script } = services(logger);
    await running(ledger);
    const waiting = ledger.waitFor('d1', { timeoutMs: 5000 });
    await turns();
    script.closed = true;
    await ledger.setStatus('d1', 'completed');
    store.loadHook = async () => null;
    script.open();
    await turns();
    expect(waiters.size).toBe(1);
    expect(logger.lines.filter((line) => line.level !== 'debug')).toEqual([]);
    clock.advance(5000);
    await expect(waiting).rejects.toBeInstanceOf(WaitTimeoutError);
  });

  it('leaves a waiter waiting when the history of a delegation that moved on is gone by the time the reader looks', async () => {
    const { ledger, waiters, store, clock, script } = services();
    await running(ledger);
    const waiting = ledger.waitFor('d1', { until: ['input_required'], timeoutMs: 5000 });
    await turns();
    script.closed = true;
    await ledger.requestInput('d1', { question: 'q' });
    await ledger.resume('d1', { answer: 'a' });
    store.historyHook = async () => [];
    script.open();
    await turns();
    expect(waiters.size).toBe(1);
    clock.advance(5000);
    await expect(waiting).rejects.toBeInstanceOf(WaitTimeoutError);
  });

  it('logs a failed read of the reader as a warning, and a failed row read on an event as an error', async () => {
    const logger = recordingLogger();
    const { ledger, waiters, script } = services(logger);
    await running(ledger);
    script.failNextRead = new Error('read failed');
    const first = ledger.waitFor('d1');
    await turns();
    expect(logger.lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual(['subscription could not read or checkpoint; retrying']);
    await waiters.close();
    await expect(first).rejects.toBeInstanceOf(StoreClosedError);

    const again = services(logger);
    logger.lines.length = 0;
    await running(again.ledger);
    const second = again.ledger.waitFor('d1');
    await turns();
    again.script.closed = true;
    await again.ledger.setStatus('d1', 'completed');
    again.store.loadHook = async () => {
      throw new Error('row read failed');
    };
    again.script.open();
    await turns();
    expect(logger.lines.filter((line) => line.level === 'error').map((line) => line.message)).toEqual([
      'subscription handler failed; the checkpoint stays before this position',
    ]);
    await again.waiters.close();
    await expect(second).rejects.toBeInstanceOf(StoreClosedError);
  });

  it('logs at debug a row read that fails while the reader stops', async () => {
    const logger = recordingLogger();
    const { ledger, waiters, store, script } = services(logger);
    await running(ledger);
    const waiting = ledger.waitFor('d1');
    await turns();
    script.closed = true;
    await ledger.setStatus('d1', 'completed');
    let failLoad: (error: Error) => void = () => undefined;
    store.loadHook = () => new Promise((_, reject) => (failLoad = reject));
    script.open();
    await turns();
    const closing = waiters.close();
    failLoad(new Error('row read cut short'));
    await closing;
    await expect(waiting).rejects.toBeInstanceOf(StoreClosedError);
    expect(logger.lines.filter((line) => line.message === 'subscription handler ended by stop')).toMatchObject([{ level: 'debug' }]);
    expect(logger.lines.filter((line) => line.level !== 'debug')).toEqual([]);
  });

  it('takes its listener off a shared AbortSignal once each wait is answered', async () => {
    const { ledger } = services();
    const controller = new AbortController();
    for (const id of ['d1', 'd2', 'd3']) {
      await running(ledger, id);
      const waiting = ledger.waitFor(id, { signal: controller.signal });
      await turns();
      await ledger.setStatus(id, 'completed');
      await within(waiting);
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
