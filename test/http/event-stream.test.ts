import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { SseChannel } from '../../src/adapters/http/sse.js';
import { openDelegations } from '../../src/delegations.js';
import type { WiredDelegations } from '../../src/wiring.js';
import { mulberry32 } from '../../src/simulator/prng.js';
import { consumeWithCuts, eventsOf, get, readAll, readUntil, serveStreams, type StreamServer, TOKENS } from './support/streams.js';
import { allEvents, runWriters } from './support/writers.js';

const opened: { wired: WiredDelegations; server: StreamServer }[] = [];
async function open(settings: Parameters<typeof serveStreams>[1] = {}) {
  const wired = await openDelegations({ store: 'memory', logger: silentLogger, env: {} });
  const server = await serveStreams(wired, settings);
  opened.push({ wired, server });
  return { wired, server, ledger: wired.ledger, url: server.url };
}
afterEach(async () => {
  for (const { wired, server } of opened.splice(0)) {
    await server.close();
    await wired.close();
  }
});

const json = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('GET /v1/events on the memory store', () => {
  it('a consumer that disconnects at random and resumes with Last-Event-ID receives every event exactly once, in order, while writers run', async () => {
    // One server for every run: each run reads from the position after the previous run's events.
    const { ledger, url } = await open({ keepaliveMs: 20 });
    let head = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 8 }), fc.integer(), async (cuts, seed) => {
        let expected: number | null = null;
        const consumer = consumeWithCuts(url, TOKENS.admin, cuts, (received) => expected !== null && received >= expected, head + 1);
        const ids = await runWriters(ledger, 4, 12, mulberry32(seed));
        const events = await allEvents(ledger, ids);
        expected = events.length;
        const received = await consumer;
        head = events.at(-1)?.position ?? head;
        expect(received.map((event) => event.position)).toEqual(events.map((event) => event.position));
        expect(received).toEqual(json(events));
      }),
      { numRuns: 8 },
    );
  });

  it('filters by ?types= and names an unknown type, a bad Last-Event-ID or ?from= and an unknown field with a 400', async () => {
    const { ledger, url } = await open();
    const ids = await runWriters(ledger, 1, 3, mulberry32(1));
    const completed = (await allEvents(ledger, ids)).filter((event) => event.type === 'completed' || event.type === 'cancelled');
    const response = await get(`${url}/v1/events?from=1&types=completed,cancelled`, TOKENS.admin);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const items = await readUntil(response, (read) => eventsOf(read).length === completed.length);
    expect(eventsOf(items)).toEqual(json(completed));

    const bad = await get(`${url}/v1/events?types=completed,finished`, TOKENS.admin);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad_request', field: 'types', message: expect.stringContaining('unknown event type "finished"') });
    for (const [path, headers, field] of [
      ['/v1/events', { 'last-event-id': 'abc' }, 'last-event-id'],
      ['/v1/events', { 'last-event-id': '-1' }, 'last-event-id'],
      ['/v1/events?from=0', {}, 'from'],
      ['/v1/events?from=1e3', {}, 'from'],
      ['/v1/events?since=1', {}, 'since'],
    ] as const) {
      const answer = await get(`${url}${path}`, TOKENS.admin, headers);
      expect(answer.status, path).toBe(400);
      expect(await answer.json(), path).toMatchObject({ field });
    }
    expect((await get(`${url}/v1/events`, null)).status).toBe(401);
    expect((await get(`${url}/v1/events`, 'not-a-token')).status).toBe(401);
  });

  it('shows a caller token only its own delegations, an agent token only those addressed to it, admin everything', async () => {
    const { ledger, url } = await open({ keepaliveMs: 20 });
    const ids = await runWriters(ledger, 2, 4, mulberry32(7));
    const events = await allEvents(ledger, ids);
    const owner = new Map((await Promise.all(ids.map((id) => ledger.get(id)))).map((d) => [d?.delegationId, d]));
    const through = events.at(-1)?.position ?? 0;
    const seen = async (token: string) => {
      // Read up to the last position: a filtered stream's keepalive moves Last-Event-ID past what it was not shown.
      const items = await readUntil(await get(`${url}/v1/events?from=1`, token), (read) => {
        const last = read.at(-1);
        return last !== undefined && (last.kind === 'event' || last.kind === 'id') && Number(last.lastEventId) >= through;
      });
      return eventsOf(items);
    };
    expect(await seen(TOKENS.admin)).toEqual(json(events));
    const mine = events.filter((event) => owner.get(event.delegationId)?.callerId === 'caller-1');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThan(events.length);
    expect(await seen(TOKENS.caller1)).toEqual(json(mine));
    expect(await seen(TOKENS.agent1)).toEqual(json(events.filter((event) => owner.get(event.delegationId)?.calleeId === 'agent-1')));
  });

  it('without Last-Event-ID or ?from= starts at the end, and sends keepalive comments while idle', async () => {
    const { ledger, url } = await open({ keepaliveMs: 20 });
    await ledger.create({ callerId: 'caller-1', calleeId: 'agent-1', task: 'before' });
    const response = await get(`${url}/v1/events`, TOKENS.admin);
    const reading = readUntil(response, (read) => eventsOf(read).length === 1);
    const later = await ledger.create({ callerId: 'caller-1', calleeId: 'agent-1', task: 'after' });
    const items = await reading;
    expect(eventsOf(items).map((event) => event.delegationId)).toEqual([later.delegationId]);
    const idle = await readUntil(await get(`${url}/v1/events`, TOKENS.admin), (read) => read.some((item) => item.kind === 'comment'));
    expect(idle.find((item) => item.kind === 'comment')).toEqual({ kind: 'comment', text: 'keepalive' });
  });

  it('ends every open stream cleanly when the hub closes (the daemon stopping), and refuses new ones with 503', async () => {
    const { server, url } = await open();
    const streams = await Promise.all([get(`${url}/v1/events`, TOKENS.admin), get(`${url}/v1/events?from=1`, TOKENS.caller1)]);
    const reading = Promise.all(streams.map((response) => readAll(response)));
    await expect.poll(() => server.hub.size).toBe(2);
    server.hub.close();
    const items = await reading;
    expect(items.map((stream) => stream[0])).toEqual([
      { kind: 'retry', ms: 2000 },
      { kind: 'retry', ms: 2000 },
    ]);
    expect(server.hub.size).toBe(0);
    expect((await get(`${url}/v1/events`, TOKENS.admin)).status).toBe(503);
  });

  it('holds a slow client to its buffer: once it is full, a send waits until the client reads', async () => {
    const channel = new SseChannel({ keepaliveMs: 1000, bufferBytes: 200, retryMs: 1000 });
    const data = 'x'.repeat(150);
    // The first frame fits; the second is queued past the bound (a frame is never split); the third waits.
    expect(await channel.send({ id: '1', data })).toBe(true);
    expect(await channel.send({ id: '2', data })).toBe(true);
    let third = false;
    const pending = channel.send({ id: '3', data }).then((sent) => {
      third = sent;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBe(false);
    channel.keepalive(); // skipped while full, not queued
    const reader = channel.body.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(`id: 1\ndata: ${data}\n\n`);
    await pending;
    expect(third).toBe(true);
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('id: 2');
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('id: 3');
    channel.end();
    expect(await channel.send({ id: '4', data })).toBe(false);
  });
});

describe('GET /v1/delegations/:id/events on the memory store', () => {
  it('starts with the current state, sends each event as it commits, and ends after the terminal one', async () => {
    const { ledger, url } = await open();
    const created = await ledger.create({ callerId: 'caller-1', calleeId: 'agent-1', task: 'translate' });
    await ledger.heartbeat(created.delegationId);
    const response = await get(`${url}/v1/delegations/${created.delegationId}/events`, TOKENS.caller1);
    expect(response.status).toBe(200);
    const reading = readAll(response);
    await ledger.create({ callerId: 'caller-2', calleeId: 'agent-1', task: 'someone else' });
    await ledger.requestInput(created.delegationId, { question: 'which dialect?' });
    await ledger.resume(created.delegationId, { answer: 'British' });
    await ledger.setStatus(created.delegationId, 'completed', { resultPreview: 'done' });
    const items = (await reading).filter((item) => item.kind === 'event');
    const history = await ledger.history(created.delegationId);
    const [state, ...rest] = items;
    expect(state).toMatchObject({ event: 'delegation', lastEventId: String(history[1]?.position) });
    expect(JSON.parse(state?.kind === 'event' ? state.data : '{}').delegation).toMatchObject({ status: 'in_progress', version: 2 });
    expect(eventsOf(rest)).toEqual(json(history.slice(2)));
    expect(eventsOf(rest).at(-1)?.type).toBe('completed');

    // EventSource reconnects when a stream ends: told 204, it stops.
    const again = await get(`${url}/v1/delegations/${created.delegationId}/events`, TOKENS.caller1, { 'last-event-id': String(history.at(-1)?.position) });
    expect(again.status).toBe(204);
    const fresh = await readAll(await get(`${url}/v1/delegations/${created.delegationId}/events`, TOKENS.caller1));
    expect(fresh.filter((item) => item.kind === 'event').map((item) => item.kind === 'event' && item.event)).toEqual(['delegation']);
  });

  it('answers 404 for an unknown delegation and 403 for a token that may not read it', async () => {
    const { ledger, url } = await open();
    const created = await ledger.create({ callerId: 'caller-1', calleeId: 'agent-1', task: 'private' });
    expect((await get(`${url}/v1/delegations/nobody/events`, TOKENS.admin)).status).toBe(404);
    const foreign = await get(`${url}/v1/delegations/${created.delegationId}/events`, TOKENS.caller2);
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ error: 'forbidden' });
    const addressed = await get(`${url}/v1/delegations/${created.delegationId}/events`, TOKENS.agent1);
    expect(addressed.status).toBe(200);
    await addressed.body?.cancel();
    expect((await get(`${url}/v1/delegations/${created.delegationId}/events`, TOKENS.caller1, { 'last-event-id': 'x' })).status).toBe(400);
    const typo = await get(`${url}/v1/delegations/${created.delegationId}/events?form=1`, TOKENS.caller1);
    expect(typo.status).toBe(400);
    expect(await typo.json()).toMatchObject({ field: 'form' });
  });
});
