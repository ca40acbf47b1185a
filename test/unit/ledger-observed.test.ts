import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import type { DelegationStore } from '../../src/app/ports.js';
import { openDelegations } from '../../src/delegations.js';
import { ConcurrencyError, DelegationExistsError } from '../../src/domain/index.js';
import { LedgerService } from '../../src/app/ledger.js';
import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { resolveConfig } from '../../src/app/config.js';
import { memoryHarness, recordingLogger, T0, type Harness } from '../support/memory.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function given(): Promise<Harness & { lines: ReturnType<typeof recordingLogger>['lines'] }> {
  const logger = recordingLogger();
  const h = await memoryHarness({ logger, bootGraceMs: 0 });
  open.push(h);
  return Object.assign(h, { lines: logger.lines });
}

/** A memory ledger whose store answers `method` with `replace` (given the real store); every other method as it is. */
async function ledgerWithStore(method: keyof DelegationStore, replace: (store: DelegationStore) => (...args: never[]) => unknown, logger = silentLogger) {
  const d = await openDelegations({
    store: 'memory',
    clock: new VirtualClock(T0),
    logger,
    env: {},
    decorateStore: (store: DelegationStore) =>
      new Proxy(store, {
        get(target, key) {
          if (key === method) return replace(target);
          const value = Reflect.get(target, key, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
  });
  open.push(d);
  return d;
}

const create = (h: Harness, id: string) => h.ledger.create({ delegationId: id, callerId: 'shop', calleeId: 'bot', task: 'work' });

describe('what the ledger tells an operator', () => {
  it('logs each creation, claim and transition with who and what, and a refusal only at debug', async () => {
    const h = await given();
    await create(h, 'd1');
    await h.ledger.claim({ calleeId: 'bot', actor: 'bot-7' });
    await h.ledger.claim({ calleeId: 'bot' });
    await h.ledger.setStatus('d1', 'completed', { actor: 'bot-7' });
    await h.ledger.setStatus('d1', 'failed', { actor: 'bot-7' });
    const seen = h.lines.map(({ level, message, fields }) => ({ level, message, fields }));
    expect(seen).toEqual([
      { level: 'info', message: 'delegation created', fields: { delegationId: 'd1', callerId: 'shop', calleeId: 'bot' } },
      { level: 'info', message: 'delegations claimed', fields: { calleeId: 'bot', claimed: 1 } },
      {
        level: 'info',
        message: 'delegation transition',
        fields: { delegationId: 'd1', event: 'completed', from: 'dispatched', to: 'completed', actor: 'bot-7', attempt: 1 },
      },
      { level: 'debug', message: 'transition refused', fields: { delegationId: 'd1', command: 'Fail', reason: 'terminal' } },
    ]);
  });

  it('names the actor of each hand-made transition: the operator retries and cancels, the caller resumes, the agent claims', async () => {
    const h = await given();
    await create(h, 'claimed');
    const [claimed] = await h.ledger.claim({ calleeId: 'bot' });
    expect(claimed?.status).toBe('dispatched');
    expect((await h.ledger.history('claimed')).at(-1)).toMatchObject({ type: 'dispatched', actor: 'agent' });

    await create(h, 'asked');
    await h.ledger.setStatus('asked', 'in_progress');
    await h.ledger.requestInput('asked', { question: 'which size?' });
    expect(await h.ledger.resume('asked', { answer: 'large' })).toMatchObject({ outcome: 'applied', event: { type: 'resumed', actor: 'caller' } });

    await create(h, 'cancelled');
    expect(await h.ledger.cancel('cancelled', { reason: 'not needed' })).toMatchObject({
      outcome: 'applied',
      event: { type: 'cancelled', actor: 'operator' },
      delegation: { errorDetail: 'not needed' },
    });

    await create(h, 'retried');
    await h.ledger.setStatus('retried', 'in_progress');
    await h.ledger.setStatus('retried', 'stuck');
    expect(await h.ledger.retry('retried')).toMatchObject({ outcome: 'applied', event: { type: 'requeued', actor: 'operator' } });
    expect(await h.ledger.retry('nobody', { actor: 'ops' })).toEqual({ outcome: 'not_found', delegationId: 'nobody' });
  });
});

describe('a ledger that keeps losing its races', () => {
  it('decides again after each lost race, and gives up with a ConcurrencyError after 32 rounds rather than looping', async () => {
    let appends = 0;
    const logger = recordingLogger();
    const d = await ledgerWithStore(
      'append',
      () => async () => {
        appends += 1;
        throw new ConcurrencyError('d1', 1);
      },
      logger,
    );
    await d.ledger.create({ delegationId: 'd1', callerId: 'shop', calleeId: 'bot', task: 'work' });
    await expect(d.ledger.setStatus('d1', 'dispatched')).rejects.toBeInstanceOf(ConcurrencyError);
    expect(appends).toBe(32);
    const lost = logger.lines.filter((line) => line.message === 'lost a race, deciding again');
    expect(lost.map((line) => line.fields.round)).toEqual([...Array(32).keys()]);
    expect(lost[0]?.fields).toEqual({ delegationId: 'd1', command: 'Dispatch', round: 0 });
  });

  it('passes any other store failure to the caller at once', async () => {
    let appends = 0;
    const d = await ledgerWithStore('append', () => async () => {
      appends += 1;
      throw new Error('disk full');
    });
    await d.ledger.create({ delegationId: 'd1', callerId: 'shop', calleeId: 'bot', task: 'work' });
    await expect(d.ledger.setStatus('d1', 'dispatched')).rejects.toThrow('disk full');
    expect(appends).toBe(1);
  });
});

describe('replays and batches', () => {
  it('returns the existing delegation only to the same caller replaying the same key; any other reuse of its id is refused', async () => {
    const h = await given();
    const first = await h.ledger.create({ delegationId: 'd1', callerId: 'shop', calleeId: 'bot', task: 'work', idempotencyKey: 'k1' });
    expect(await h.ledger.create({ delegationId: 'd1', callerId: 'shop', calleeId: 'bot', task: 'work', idempotencyKey: 'k1' })).toEqual(first);
    await expect(h.ledger.create({ delegationId: 'd1', callerId: 'shop', calleeId: 'bot', task: 'work', idempotencyKey: 'k2' })).rejects.toBeInstanceOf(
      DelegationExistsError,
    );
    await expect(h.ledger.create({ delegationId: 'd1', callerId: 'other', calleeId: 'bot', task: 'work', idempotencyKey: 'k1' })).rejects.toBeInstanceOf(
      DelegationExistsError,
    );
    await expect(h.ledger.create({ delegationId: 'd1', callerId: 'shop', calleeId: 'bot', task: 'work' })).rejects.toBeInstanceOf(DelegationExistsError);
  });

  it('answers an empty batch of beats with no answers, and takes a batch of exactly 10,000', async () => {
    const h = await given();
    expect(await h.ledger.heartbeatMany([])).toEqual([]);
    const answers = await h.ledger.heartbeatMany(Array.from({ length: 10_000 }, (_, i) => `nobody-${i}`));
    expect(answers).toHaveLength(10_000);
    expect(new Set(answers.map((a) => a.outcome))).toEqual(new Set(['not_found']));
  });

  it("tells an agent whose attempt is gone to stop, with the sweeper's threshold as its budget", async () => {
    const h = await given();
    await create(h, 'd1');
    await h.ledger.setStatus('d1', 'in_progress');
    expect(await h.ledger.heartbeat('d1', { attempt: 2 })).toMatchObject({
      outcome: 'refused',
      stop: true,
      reason: 'unknown_attempt',
      heartbeatTimeoutMs: h.sweeper.thresholdMs,
    });
  });

  it('decides a beat again when the batch write missed its row (it started meanwhile), and records it then', async () => {
    let misses = 1;
    const d = await ledgerWithStore('recordHeartbeats', (store) => async (...args: Parameters<DelegationStore['recordHeartbeats']>) => {
      if (misses > 0) {
        misses -= 1;
        return [];
      }
      return store.recordHeartbeats(...args);
    });
    await d.ledger.create({ delegationId: 'd1', callerId: 'shop', calleeId: 'bot', task: 'work' });
    await d.ledger.setStatus('d1', 'in_progress');
    const beat = await d.ledger.heartbeat('d1', { progress: 3 });
    expect(beat).toMatchObject({ outcome: 'recorded', stop: false, delegation: { status: 'in_progress', progress: 3 } });
    expect((await d.ledger.get('d1'))?.lastHeartbeat).toEqual(T0);
  });

  it('a ledger built by hand, without the Timers binding, rests between prune batches on the process timers', async () => {
    const clock = new VirtualClock(T0);
    const store = new MemoryDelegationStore();
    const config = resolveConfig({ bootGraceMs: 0 }, {}, silentLogger);
    const ledger = new LedgerService(store, clock, config, silentLogger, { wait: async () => Promise.reject(new Error('no waits here')) });
    for (const id of ['a', 'b', 'c']) {
      await ledger.create({ delegationId: id, callerId: 'shop', calleeId: 'bot', task: 'work' });
      await ledger.setStatus(id, 'completed');
    }
    clock.advance(3_600_000);
    const pruned = await ledger.prune({ olderThanMs: 60_000, batchSize: 1, restRatio: 1 });
    expect(pruned).toMatchObject({ delegationsDeleted: 3, batches: expect.any(Number) });
    expect(await ledger.list({ status: 'all' })).toEqual([]);
  });
});
