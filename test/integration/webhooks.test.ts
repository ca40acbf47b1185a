import { Container } from 'inversify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/app/ledger-api.js';
import type { Clock } from '../../src/app/ports.js';
import { TOKENS } from '../../src/app/tokens.js';
import type { WebhookSettings } from '../../src/app/webhooks-api.js';
import { memoryModule } from '../../src/adapters/memory/memory-module.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { eventually, recordingLogger, type LogLine } from '../../src/testing.js';
import { loadDelegations } from '../../src/wiring.js';
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';

const FAST: Partial<WebhookSettings> = { initialRetryDelayMs: 5, maxRetryDelayMs: 20, pauseAfterFailures: 100, requestTimeoutMs: 5_000 };

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

function open(settings: Partial<WebhookSettings>, clock?: Clock) {
  const lines: LogLine[] = [];
  const container = new Container();
  container.bind(TOKENS.WebhookSettings).toConstantValue(settings);
  const d = loadDelegations(container, { adapter: memoryModule({ clock }), logger: recordingLogger(lines), env: {}, random: { next: () => 0.5 } });
  const webhooks = container.get(TOKENS.Webhooks);
  closing.push(() => d.close());
  return { d, webhooks, lines };
}

async function receiver(decide?: (n: number) => number): Promise<Receiver> {
  const r = await startReceiver(decide);
  closing.push(() => r.close());
  return r;
}

/** `count` delegations created, started and completed; the positions of their events, in order. */
async function writeEvents(ledger: Ledger, count: number, prefix = 'd'): Promise<{ all: number[]; completed: number[] }> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const delegation = await ledger.create({ callerId: 'c', calleeId: 'a', task: `task ${i}`, delegationId: `${prefix}-${i}` });
    await ledger.setStatus(delegation.delegationId, 'in_progress');
    await ledger.setStatus(delegation.delegationId, 'completed', { resultPreview: 'done' });
    ids.push(delegation.delegationId);
  }
  const events = (await Promise.all(ids.map((id) => ledger.history(id)))).flat().sort((a, b) => a.position - b.position);
  return { all: events.map((e) => e.position), completed: events.filter((e) => e.type === 'completed').map((e) => e.position) };
}

describe('webhook deliveries', () => {
  it('deliver every event, in order, signed, through a receiver that fails the first 3 requests; the log records each attempt', async () => {
    const { d, webhooks, lines } = open(FAST);
    const all = await receiver((n) => (n <= 3 ? 500 : 204));
    const filtered = await receiver();
    await webhooks.start();
    const registered = await webhooks.register({ url: all.url, description: 'everything' });
    const onlyCompleted = await webhooks.register({ url: filtered.url, eventTypes: ['completed'] });
    all.setSecret(registered.secret);
    filtered.setSecret(onlyCompleted.secret);
    await webhooks.caughtUp(registered.endpoint.id);
    await webhooks.caughtUp(onlyCompleted.endpoint.id);

    const positions = await writeEvents(d.ledger, 8);
    await eventually(
      'every event is accepted',
      () => all.accepted().length >= positions.all.length && filtered.accepted().length >= positions.completed.length,
    );

    expect(all.accepted()).toEqual(positions.all);
    expect(filtered.accepted()).toEqual(positions.completed);
    expect([...all.requests, ...filtered.requests].every((r) => r.verified)).toBe(true);
    // The first event was refused 3 times and then accepted, under one webhook-id the receiver can dedupe on.
    expect(all.requests.slice(0, 4).map((r) => [r.webhookId, r.status])).toEqual([
      [`evt_${positions.all[0]}`, 500],
      [`evt_${positions.all[0]}`, 500],
      [`evt_${positions.all[0]}`, 500],
      [`evt_${positions.all[0]}`, 204],
    ]);
    expect(all.requests[0]?.payload).toMatchObject({
      type: 'delegation.created',
      data: { delegationId: 'd-0', eventType: 'created', position: positions.all[0] },
    });
    expect(filtered.requests.every((r) => r.type === 'delegation.completed')).toBe(true);

    const page = await webhooks.deliveries(registered.endpoint.id, { limit: 500 });
    const log = [...(page?.deliveries ?? [])].reverse();
    expect(log).toHaveLength(positions.all.length + 3);
    expect(log.slice(0, 4).map((a) => [a.eventPosition, a.attempt, a.outcome, a.statusCode])).toEqual([
      [positions.all[0], 1, 'failed', 500],
      [positions.all[0], 2, 'failed', 500],
      [positions.all[0], 3, 'failed', 500],
      [positions.all[0], 4, 'delivered', 204],
    ]);
    expect(log.slice(4).map((a) => a.eventPosition)).toEqual(positions.all.slice(1));
    expect(log[0]?.error).toBe('answered 500');
    expect((await webhooks.get(registered.endpoint.id))?.status).toBe('active');
    expect(JSON.stringify(lines)).not.toContain(registered.secret.slice('whsec_'.length));
    expect(JSON.stringify(await webhooks.list())).not.toContain(registered.secret.slice('whsec_'.length));
  });

  it('pause an endpoint after repeated failures (virtual time); resuming delivers from its checkpoint every event, the failed one first', async () => {
    const clock = new VirtualClock(new Date());
    const { d, webhooks, lines } = open({ initialRetryDelayMs: 1_000, maxRetryDelayMs: 8_000, pauseAfterFailures: 4 }, clock);
    const r = await receiver(() => 503);
    await webhooks.start();
    const { endpoint, secret } = await webhooks.register({ url: r.url });
    r.setSecret(secret);
    await webhooks.caughtUp(endpoint.id);
    const first = await writeEvents(d.ledger, 2, 'early');

    await eventually('the endpoint is paused', async () => {
      await clock.advanceAsync(500);
      return (await webhooks.get(endpoint.id))?.status === 'paused';
    });
    const paused = await webhooks.get(endpoint.id);
    expect(paused?.pausedReason).toBe('4 failed attempts in a row; last: answered 503');
    expect(paused?.pausedAt).toBeInstanceOf(Date);
    expect(r.requests.map((q) => q.webhookId)).toEqual(Array(4).fill(`evt_${first.all[0]}`));
    expect(lines.some((line) => line.level === 'warn' && line.message.includes('paused'))).toBe(true);

    // Paused: nothing more is attempted, whatever time passes and whatever is written.
    const later = await writeEvents(d.ledger, 2, 'late');
    for (let i = 0; i < 20; i += 1) await clock.advanceAsync(60_000 / 20);
    expect(r.requests).toHaveLength(4);

    r.answer(() => 200);
    expect((await webhooks.resume(endpoint.id))?.status).toBe('active');
    const expected = [...first.all, ...later.all];
    await eventually('every event arrives after the resume', () => r.accepted().length >= expected.length);
    expect(r.accepted()).toEqual(expected);
    expect(r.requests.every((q) => q.verified)).toBe(true);
    expect((await webhooks.get(endpoint.id))?.pausedReason).toBeNull();
  });

  it('pause an endpoint that keeps failing for longer than the window, however few attempts that took', async () => {
    const clock = new VirtualClock(new Date());
    const { d, webhooks } = open({ initialRetryDelayMs: 20_000, maxRetryDelayMs: 60_000, pauseAfterFailures: 1_000, pauseAfterMs: 90_000 }, clock);
    const r = await receiver(() => 500);
    await webhooks.start();
    const { endpoint, secret } = await webhooks.register({ url: r.url });
    r.setSecret(secret);
    await webhooks.caughtUp(endpoint.id);
    await writeEvents(d.ledger, 1);
    await eventually('the endpoint is paused', async () => {
      await clock.advanceAsync(5_000);
      return (await webhooks.get(endpoint.id))?.status === 'paused';
    });
    expect((await webhooks.get(endpoint.id))?.pausedReason).toMatch(/^failing for \d+ s; last: answered 500$/);
    // 20 s, then 40 s, then 60 s (capped) apart: the fourth attempt is past the 90 s window.
    expect(r.requests).toHaveLength(4);
    expect(r.requests.every((q) => q.verified)).toBe(true);
  });

  it('treat a redirect and a refused connection as failures, and never follow the redirect', async () => {
    const { d, webhooks } = open({ ...FAST, pauseAfterFailures: 2 });
    const target = await receiver();
    const redirecting = await receiver(() => 307);
    await webhooks.start();
    const redirected = await webhooks.register({ url: redirecting.url });
    const gone = await startReceiver();
    await gone.close();
    const refused = await webhooks.register({ url: gone.url });
    await Promise.all([webhooks.caughtUp(redirected.endpoint.id), webhooks.caughtUp(refused.endpoint.id)]);
    await writeEvents(d.ledger, 1);
    await eventually('both are paused', async () => (await webhooks.list()).every((e) => e.status === 'paused'));
    expect(target.requests).toHaveLength(0);
    const redirectLog = await webhooks.deliveries(redirected.endpoint.id);
    expect(redirectLog?.deliveries.map((a) => [a.statusCode, a.error])).toEqual([
      [307, 'answered 307 (redirects are not followed)'],
      [307, 'answered 307 (redirects are not followed)'],
    ]);
    const refusedLog = await webhooks.deliveries(refused.endpoint.id);
    expect(refusedLog?.deliveries.map((a) => [a.statusCode, a.error])).toEqual([
      [null, 'request failed: ECONNREFUSED'],
      [null, 'request failed: ECONNREFUSED'],
    ]);
  });

  it('pause at once an endpoint whose receiver answers 410 Gone', async () => {
    const { d, webhooks } = open(FAST);
    const r = await receiver(() => 410);
    await webhooks.start();
    const { endpoint } = await webhooks.register({ url: r.url });
    await webhooks.caughtUp(endpoint.id);
    await writeEvents(d.ledger, 1);
    await eventually('the endpoint is paused', async () => (await webhooks.get(endpoint.id))?.status === 'paused');
    expect(r.requests).toHaveLength(1);
    expect((await webhooks.get(endpoint.id))?.pausedReason).toBe('the receiver answered 410 (Gone): it asks for no more deliveries');
  });

  it('stop gracefully: close() ends a retry wait at once and the next start delivers the event again', async () => {
    const clock = new VirtualClock(new Date());
    const { d, webhooks, lines } = open({ initialRetryDelayMs: 3_600_000, maxRetryDelayMs: 3_600_000 }, clock);
    const r = await receiver(() => 500);
    await webhooks.start();
    const { endpoint } = await webhooks.register({ url: r.url });
    await webhooks.caughtUp(endpoint.id);
    const { all } = await writeEvents(d.ledger, 1);
    await eventually('one failed attempt', () => r.requests.length === 1);
    await webhooks.stop();
    expect(clock.pendingTimers).toBe(0);
    // Ended by stop, not failed: nothing for an operator to worry about.
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    r.answer(() => 200);
    await webhooks.start();
    await eventually('the event is delivered after the restart', () => r.accepted().length === 3);
    expect(r.accepted()).toEqual(all);
    expect(r.requests[0]?.position).toBe(all[0]);
  });
});
