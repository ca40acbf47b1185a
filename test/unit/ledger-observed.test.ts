import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import type { DelegationStore } from '../../src/app/ports.js';
import { openDelegations } from '../../src/delegations.js';
import { ConcurrencyError } from '../../src/domain/index.js';
import type { WiredDelegations } from '../../src/wiring.js';
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
    const d: WiredDelegations = await openDelegations({
      store: 'memory',
      clock: new VirtualClock(T0),
      logger,
      env: {},
      decorateStore: (store: DelegationStore) =>
        new Proxy(store, {
          get(target, key) {
            if (key !== 'append') return Reflect.get(target, key, target);
            return async () => {
              appends += 1;
              throw new ConcurrencyError('d1', 1);
            };
          },
        }),
    });
    open.push(d);
    await d.ledger.create({ delegationId: 'd1', callerId: 'shop', calleeId: 'bot', task: 'work' });
    await expect(d.ledger.setStatus('d1', 'dispatched')).rejects.toBeInstanceOf(ConcurrencyError);
    expect(appends).toBe(32);
    const lost = logger.lines.filter((line) => line.message === 'lost a race, deciding again');
    expect(lost.map((line) => line.fields.round)).toEqual([...Array(32).keys()]);
    expect(lost[0]?.fields).toEqual({ delegationId: 'd1', command: 'Dispatch', round: 0 });
  });

  it('passes any other store failure to the caller at once', async () => {
    let appends = 0;
    const d = await openDelegations({
      store: 'memory',
      clock: new VirtualClock(T0),
      logger: silentLogger,
      env: {},
      decorateStore: (store: DelegationStore) =>
        new Proxy(store, {
          get(target, key) {
            if (key !== 'append') return Reflect.get(target, key, target);
            return async () => {
              appends += 1;
              throw new Error('disk full');
            };
          },
        }),
    });
    open.push(d);
    await d.ledger.create({ delegationId: 'd1', callerId: 'shop', calleeId: 'bot', task: 'work' });
    await expect(d.ledger.setStatus('d1', 'dispatched')).rejects.toThrow('disk full');
    expect(appends).toBe(1);
  });
});
