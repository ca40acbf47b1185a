import { afterEach, describe, expect, it } from 'vitest';
import { DelegationExistsError, InvalidInputError, type Status } from '../../src/domain/index.js';
import { HOUR, MINUTE, memoryHarness, T0, type Harness } from '../support/memory.js';

const THRESHOLD = MINUTE;
const harnesses: Harness[] = [];

async function given(): Promise<Harness> {
  const h = await memoryHarness({ stuckThresholdMs: THRESHOLD, bootGraceMs: 0 });
  harnesses.push(h);
  return h;
}

async function create(h: Harness, id = 'd1') {
  return h.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'work', delegationId: id });
}

async function stuck(h: Harness, id = 'd1') {
  await create(h, id);
  await h.ledger.setStatus(id, 'in_progress');
  h.clock.advance(THRESHOLD + 1);
  await h.sweeper.sweep();
  expect((await h.ledger.get(id))?.status).toBe('stuck');
}

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

describe('recovery', () => {
  it('given a stuck delegation, when its agent beats, then it is in_progress again with a recovered event', async () => {
    const h = await given();
    await stuck(h);
    const beat = await h.ledger.heartbeat('d1');
    expect(beat).toMatchObject({ outcome: 'applied', stop: false, event: { type: 'recovered', fromStatus: 'stuck', toStatus: 'in_progress', actor: 'agent' } });
    expect(await h.ledger.get('d1')).toMatchObject({ status: 'in_progress', errorDetail: null, lastHeartbeat: h.clock.now() });
  });
});

describe('marking stuck by hand', () => {
  it('given a running delegation, when an operator marks it stuck, then the event carries their detail, or says it was marked by hand', async () => {
    const h = await given();
    for (const [id, options, detail] of [
      ['d1', { actor: 'ops' }, 'marked stuck'],
      ['d2', { actor: 'ops', errorDetail: 'no output for an hour' }, 'no output for an hour'],
    ] as const) {
      await create(h, id);
      await h.ledger.setStatus(id, 'in_progress');
      const marked = await h.ledger.setStatus(id, 'stuck', options);
      expect(marked).toMatchObject({ outcome: 'applied', event: { type: 'marked_stuck', actor: 'ops', data: { detail, silentForMs: null } } });
    }
  });
});

describe('heartbeats', () => {
  it('given a running delegation, when its agent beats, then the beat is recorded on the row and no event is written', async () => {
    const h = await given();
    await create(h);
    await h.ledger.setStatus('d1', 'in_progress');
    const events = (await h.ledger.history('d1')).length;
    h.clock.advance(1000);
    expect(await h.ledger.heartbeat('d1', { progress: 3 })).toMatchObject({ outcome: 'recorded', stop: false });
    expect(await h.ledger.get('d1')).toMatchObject({ lastHeartbeat: h.clock.now(), progress: 3 });
    expect(await h.ledger.history('d1')).toHaveLength(events);
  });

  it('given a dispatched delegation, when the first beat arrives, then it is started and the progress it reports is kept', async () => {
    const h = await given();
    await create(h);
    await h.ledger.setStatus('d1', 'dispatched');
    expect(await h.ledger.heartbeat('d1', { progress: 7 })).toMatchObject({ outcome: 'applied', event: { type: 'started' } });
    expect(await h.ledger.get('d1')).toMatchObject({ status: 'in_progress', progress: 7 });
  });

  it('given a progress report, when a later beat reports less, then progress does not go back', async () => {
    const h = await given();
    await create(h);
    await h.ledger.setStatus('d1', 'in_progress');
    await h.ledger.heartbeat('d1', { progress: 5 });
    await h.ledger.heartbeat('d1', { progress: 2 });
    expect((await h.ledger.get('d1'))?.progress).toBe(5);
  });

  it.each(['completed', 'failed', 'cancelled'] as const)('given a %s delegation, when its agent beats, then it is told to stop', async (status) => {
    const h = await given();
    await create(h);
    await h.ledger.setStatus('d1', status);
    expect(await h.ledger.heartbeat('d1')).toMatchObject({ outcome: 'refused', refusal: { reason: 'terminal' }, stop: true, reason: status });
    expect((await h.ledger.get('d1'))?.status).toBe(status);
  });

  it('given no such delegation, when an agent beats, then it is told to stop', async () => {
    const h = await given();
    expect(await h.ledger.heartbeat('nope')).toMatchObject({ outcome: 'not_found', stop: true });
  });
});

describe('retry and attempt fencing', () => {
  it('given a stuck delegation, when the operator retries, then attempt 2 opens and attempt 1 is fenced off', async () => {
    const h = await given();
    await stuck(h);
    const retry = await h.ledger.retry('d1');
    expect(retry).toMatchObject({ outcome: 'applied', event: { type: 'requeued', attempt: 2, actor: 'operator' } });
    expect(await h.ledger.get('d1')).toMatchObject({ status: 'queued', attempt: 2, lastHeartbeat: null, errorDetail: null });

    expect(await h.ledger.heartbeat('d1', { attempt: 1 })).toMatchObject({
      outcome: 'refused',
      refusal: { reason: 'stale_attempt' },
      stop: true,
      reason: 'superseded',
      attempt: 2,
    });
    expect(await h.ledger.setStatus('d1', 'completed', { attempt: 1, resultPreview: 'old' })).toMatchObject({ outcome: 'refused', reason: 'stale_attempt' });
    expect(await h.ledger.get('d1')).toMatchObject({ status: 'queued', attempt: 2, resultPreview: null });

    expect(await h.ledger.heartbeat('d1', { attempt: 2 })).toMatchObject({ outcome: 'applied', stop: false, event: { type: 'started', attempt: 2 } });
    expect(await h.ledger.setStatus('d1', 'completed', { attempt: 2, resultPreview: 'new' })).toMatchObject({ outcome: 'applied' });
  });

  it('given a running attempt 2, when a late beat names attempt 1, then it is refused and the row is untouched', async () => {
    const h = await given();
    await stuck(h);
    await h.ledger.retry('d1');
    await h.ledger.setStatus('d1', 'in_progress', { attempt: 2 });
    const before = await h.ledger.get('d1');
    h.clock.advance(1000);
    expect(await h.ledger.heartbeat('d1', { attempt: 1, progress: 9 })).toMatchObject({
      outcome: 'refused',
      refusal: { reason: 'stale_attempt' },
      stop: true,
      reason: 'superseded',
      attempt: 2,
    });
    expect(await h.ledger.get('d1')).toEqual(before);
  });

  it('given attempt 1, when a call names attempt 2, then it is refused as unknown', async () => {
    const h = await given();
    await create(h);
    expect(await h.ledger.setStatus('d1', 'dispatched', { attempt: 2 })).toMatchObject({ outcome: 'refused', reason: 'unknown_attempt' });
  });

  it.each([
    ['in_progress', 'not_allowed'],
    ['completed', 'terminal'],
  ] as const)('given a %s delegation, when the operator retries, then it is refused (%s)', async (status, reason) => {
    const h = await given();
    await create(h);
    await h.ledger.setStatus('d1', status);
    expect(await h.ledger.retry('d1')).toMatchObject({ outcome: 'refused', reason });
    expect(await h.ledger.get('d1')).toMatchObject({ status, attempt: 1 });
  });
});

describe('forward-only transitions', () => {
  it('given an in_progress delegation, when asked to go back to dispatched, then it is refused and nothing is written', async () => {
    const h = await given();
    await create(h);
    await h.ledger.setStatus('d1', 'in_progress');
    expect(await h.ledger.setStatus('d1', 'dispatched')).toMatchObject({ outcome: 'refused', reason: 'not_allowed', delegation: { status: 'in_progress' } });
    expect(await h.ledger.history('d1')).toHaveLength(2);
  });

  it('given a completed delegation, when anyone asks to fail or cancel it, then it is refused', async () => {
    const h = await given();
    await create(h);
    await h.ledger.setStatus('d1', 'completed', { resultPreview: 'ok' });
    expect(await h.ledger.setStatus('d1', 'failed', { actor: 'sweeper' })).toMatchObject({ outcome: 'refused', reason: 'terminal' });
    expect(await h.ledger.cancel('d1')).toMatchObject({ outcome: 'refused', reason: 'terminal' });
    expect(await h.ledger.get('d1')).toMatchObject({ status: 'completed', resultPreview: 'ok' });
  });

  it('given an unknown id, when a transition is asked for, then the outcome is not_found', async () => {
    const h = await given();
    expect(await h.ledger.setStatus('nope', 'completed')).toEqual({ outcome: 'not_found', delegationId: 'nope' });
  });
});

describe('same-status replay', () => {
  it('given a dispatched delegation, when dispatched again later, then no event is written and updatedAt stays', async () => {
    const h = await given();
    await create(h);
    const first = await h.ledger.setStatus('d1', 'dispatched');
    h.clock.advance(MINUTE);
    const again = await h.ledger.setStatus('d1', 'dispatched');
    expect(again.outcome).toBe('unchanged');
    expect(await h.ledger.get('d1')).toEqual(first.outcome === 'applied' ? first.delegation : null);
    expect(await h.ledger.history('d1')).toHaveLength(2);
  });

  it('given a completion without a result, when the completion is replayed with one, then it fills it once and never overwrites', async () => {
    const h = await given();
    await create(h);
    const done = await h.ledger.setStatus('d1', 'completed');
    const updatedAt = (await h.ledger.get('d1'))?.updatedAt;
    h.clock.advance(MINUTE);
    const fill = await h.ledger.setStatus('d1', 'completed', { resultPreview: 'first' });
    expect(done.outcome).toBe('applied');
    expect(fill).toMatchObject({ outcome: 'applied', event: { type: 'detail_recorded', data: { result: 'first' } } });
    expect(await h.ledger.get('d1')).toMatchObject({ status: 'completed', resultPreview: 'first', updatedAt });
    expect(await h.ledger.setStatus('d1', 'completed', { resultPreview: 'second' })).toMatchObject({ outcome: 'unchanged' });
    expect((await h.ledger.get('d1'))?.resultPreview).toBe('first');
    expect((await h.ledger.history('d1')).map((e) => e.type)).toEqual(['created', 'completed', 'detail_recorded']);
  });
});

describe('idempotency key', () => {
  it('given a create with a key, when the same caller repeats it, then the existing delegation comes back and nothing new is written', async () => {
    const h = await given();
    const first = await h.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'work', idempotencyKey: 'k1' });
    const again = await h.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'work', idempotencyKey: 'k1' });
    expect(again.delegationId).toBe(first.delegationId);
    expect((await h.ledger.stats()).queued).toBe(1);
    expect(await h.ledger.history(first.delegationId)).toHaveLength(1);
  });

  it('given a key used by one caller, when another caller uses it, then it gets a delegation of its own', async () => {
    const h = await given();
    const mine = await h.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'work', idempotencyKey: 'k1' });
    const theirs = await h.ledger.create({ callerId: 'other', calleeId: 'agent', task: 'work', idempotencyKey: 'k1' });
    expect(theirs.delegationId).not.toBe(mine.delegationId);
    expect((await h.ledger.stats()).queued).toBe(2);
  });

  it('given an id already taken, when a different request names it, then DelegationExistsError', async () => {
    const h = await given();
    await create(h, 'd1');
    await expect(h.ledger.create({ callerId: 'other', calleeId: 'agent', task: 'else', delegationId: 'd1' })).rejects.toBeInstanceOf(DelegationExistsError);
  });
});

describe('invalid input is refused with the field named, and nothing is written', () => {
  const invalid: [string, string, (h: Harness) => Promise<unknown>][] = [
    ['an unknown status', 'status', (h) => h.ledger.setStatus('d1', 'finished' as Status)],
    ['an empty id', 'delegationId', (h) => h.ledger.setStatus('', 'completed')],
    ['a blank id on heartbeat', 'delegationId', (h) => h.ledger.heartbeat('   ')],
    ['an empty caller', 'callerId', (h) => h.ledger.create({ callerId: '', calleeId: 'a', task: 't' })],
    ['a deadline that is not a date', 'deadline', (h) => h.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', deadline: 'next tuesday' })],
    ['a deadline in the past', 'deadline', (h) => h.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', deadline: new Date(T0.getTime() - 1) })],
    ['a negative threshold', 'heartbeatTimeoutMs', (h) => h.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', heartbeatTimeoutMs: -5 })],
    ['a zero attempt', 'attempt', (h) => h.ledger.heartbeat('d1', { attempt: 0 })],
    ['a negative progress', 'progress', (h) => h.ledger.heartbeat('d1', { progress: -1 })],
  ];

  it.each(invalid)('given %s, then InvalidInputError names %s and stats and history are unchanged', async (_what, field, act) => {
    const h = await given();
    await create(h);
    await h.ledger.setStatus('d1', 'in_progress');
    const before = { stats: await h.ledger.stats(), row: await h.ledger.get('d1'), history: await h.ledger.history('d1') };
    h.clock.advance(1000);
    const error = await act(h).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
    expect({ stats: await h.ledger.stats(), row: await h.ledger.get('d1'), history: await h.ledger.history('d1') }).toEqual(before);
  });
});

describe('detail truncation', () => {
  it('given a 10 KiB result, when completed, then 4 KiB of it is kept', async () => {
    const h = await given();
    await create(h);
    await h.ledger.setStatus('d1', 'completed', { resultPreview: 'x'.repeat(10 * 1024) });
    expect((await h.ledger.get('d1'))?.resultPreview).toBe('x'.repeat(4096));
  });

  it('given an error whose 4 KiB cut falls inside an emoji, when failed, then the emoji is dropped whole, never split', async () => {
    const h = await given();
    await create(h);
    await h.ledger.setStatus('d1', 'failed', { errorDetail: `${'e'.repeat(4094)}😀 and more` });
    const kept = (await h.ledger.get('d1'))?.errorDetail ?? '';
    expect(kept).toBe('e'.repeat(4094));
    expect(Buffer.byteLength(kept, 'utf8')).toBeLessThanOrEqual(4096);
  });

  it('given a long task, when created, then the task preview is cut on a character boundary', async () => {
    const h = await given();
    const task = 'é'.repeat(3000);
    const created = await h.ledger.create({ callerId: 'c', calleeId: 'a', task });
    expect(created.taskPreview).toBe('é'.repeat(2048));
  });
});

describe('the history', () => {
  it('given a full run, then history numbers its events per delegation and globally, with who and when', async () => {
    const h = await given();
    await create(h, 'a');
    await create(h, 'b');
    h.clock.advance(1000);
    await h.ledger.setStatus('a', 'in_progress');
    await h.ledger.setStatus('a', 'completed', { resultPreview: 'ok', actor: 'agent-7' });
    const history = await h.ledger.history('a');
    expect(history.map((e) => [e.type, e.version, e.fromStatus, e.toStatus])).toEqual([
      ['created', 1, null, 'queued'],
      ['started', 2, 'queued', 'in_progress'],
      ['completed', 3, 'in_progress', 'completed'],
    ]);
    expect(history.at(-1)).toMatchObject({ actor: 'agent-7', occurredAt: new Date(T0.getTime() + 1000), data: { result: 'ok' } });
    const positions = history.map((e) => e.position);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
    expect(new Set([...positions, ...(await h.ledger.history('b')).map((e) => e.position)]).size).toBe(4);
  });

  it('given no default deadline, then a delegation gets six hours', async () => {
    const h = await given();
    expect((await create(h)).deadline).toEqual(new Date(T0.getTime() + 6 * HOUR));
  });
});
