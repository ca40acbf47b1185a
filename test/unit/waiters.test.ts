import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/app/config.js';
import { LedgerService } from '../../src/app/ledger.js';
import type { EventFeed, FeedCursor } from '../../src/app/ports.js';
import { DelegationWaiters } from '../../src/app/waiters.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { MemoryEventFeed } from '../../src/adapters/memory/memory-event-feed.js';
import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { T0 } from '../support/memory.js';

/** The memory feed, its reads held back while `gate.closed`: events pile up until the reader looks. */
function gatedFeed(feed: EventFeed) {
  let opened: (() => void) | null = null;
  const gate = {
    closed: false,
    reads: 0,
    open(): void {
      gate.closed = false;
      opened?.();
    },
  };
  const gated: EventFeed = {
    supportsTransactions: feed.supportsTransactions,
    mark: () => feed.mark(),
    waitForAppend: (since, timeoutMs, abort) => feed.waitForAppend(since, timeoutMs, abort),
    progress: () => feed.progress(),
    open(request) {
      const cursor = feed.open(request);
      const held: FeedCursor = {
        async next(limit, handle) {
          if (gate.closed) await new Promise<void>((resolve) => (opened = resolve));
          gate.reads += 1;
          return cursor.next(limit, handle);
        },
        close: () => cursor.close(),
      };
      return held;
    },
  };
  return { feed: gated, gate };
}

function services() {
  const store = new MemoryDelegationStore();
  const clock = new VirtualClock(T0);
  const { feed, gate } = gatedFeed(new MemoryEventFeed(store));
  const waiters = new DelegationWaiters(store, feed, clock, silentLogger);
  const ledger = new LedgerService(store, clock, resolveConfig({}, {}, silentLogger), silentLogger, waiters);
  return { ledger, waiters, gate };
}

async function running(ledger: LedgerService, id = 'd1') {
  await ledger.create({ callerId: 'caller', calleeId: 'agent', task: 't', delegationId: id });
  await ledger.setStatus(id, 'dispatched');
  await ledger.setStatus(id, 'in_progress');
}

describe('DelegationWaiters', () => {
  it('hands a waiter the delegation as the awaited event left it when the row has moved on by the time the reader looks', async () => {
    const { ledger, waiters, gate } = services();
    await running(ledger);
    const asked = ledger.waitFor('d1', { until: ['input_required'] });
    const finished = ledger.waitFor('d1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(waiters.size).toBe(2);
    gate.closed = true;
    await ledger.requestInput('d1', { question: 'which quarter?' });
    await ledger.resume('d1', { answer: 'Q3' });
    gate.open();
    expect(await asked).toMatchObject({ status: 'input_required', errorDetail: 'which quarter?', version: 4 });
    expect(waiters.size).toBe(1);
    await ledger.setStatus('d1', 'completed');
    expect(await finished).toMatchObject({ status: 'completed', version: 6 });
    expect(waiters.size).toBe(0);
  });

  it('reads the row only once its reader has fixed where it starts', async () => {
    const { ledger, waiters, gate } = services();
    await running(ledger);
    gate.closed = true;
    const waiting = ledger.waitFor('d1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(gate.reads).toBe(0);
    expect(waiters.reading).toBe(true);
    // Written before the reader fixed its start (so never handed over by it): only a row read
    // made after that start can see it, which is why the read waits for the reader.
    await ledger.setStatus('d1', 'completed', { resultPreview: 'r' });
    gate.open();
    const late = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5000));
    expect(await Promise.race([waiting, late])).toMatchObject({ status: 'completed', resultPreview: 'r' });
    await expect.poll(() => waiters.reading).toBe(false);
  });
});
