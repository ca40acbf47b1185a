import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { openDelegations } from '../../src/delegations.js';
import { mulberry32 } from '../../src/simulator/prng.js';
import type { WiredDelegations } from '../../src/wiring.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { consumeWithCuts, eventsOf, get, readAll, serveStreams, type StreamServer, TOKENS } from './support/streams.js';
import { allEvents, runWriters } from './support/writers.js';

const database = usePostgresDatabase('event_stream');
let wired: WiredDelegations;
let server: StreamServer;
beforeAll(async () => {
  // Eight writers on a pool of their own connections: their transactions commit in any order, positions out of order included.
  wired = await openDelegations({ store: 'postgres', connectionString: database().url, poolSize: 12, logger: silentLogger, env: {} });
  server = await serveStreams(wired, { keepaliveMs: 20 });
});
afterAll(async () => {
  await server?.close();
  await wired?.close();
});

const json = (value: unknown) => JSON.parse(JSON.stringify(value));

it('on PostgreSQL, a consumer that disconnects at random and resumes with Last-Event-ID receives every event exactly once, in order, while concurrent writers commit', async () => {
  let head = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }), fc.integer(), async (cuts, seed) => {
      let expected: number | null = null;
      const consumer = consumeWithCuts(server.url, TOKENS.admin, cuts, (received) => expected !== null && received >= expected, head + 1);
      const ids = await runWriters(wired.ledger, 8, 6, mulberry32(seed));
      const events = await allEvents(wired.ledger, ids);
      expected = events.length;
      const received = await consumer;
      head = events.at(-1)?.position ?? head;
      expect(received.map((event) => event.position)).toEqual(events.map((event) => event.position));
      expect(received).toEqual(json(events));
    }),
    { numRuns: 3 },
  );
}, 120_000);

it('on PostgreSQL, a delegation stream starts with the state and ends after the terminal event', async () => {
  const { ledger } = wired;
  const d = await ledger.create({ callerId: 'caller-1', calleeId: 'agent-1', task: 'on postgres' });
  const response = await get(`${server.url}/v1/delegations/${d.delegationId}/events`, TOKENS.caller1);
  const reading = readAll(response);
  await ledger.heartbeat(d.delegationId);
  await ledger.setStatus(d.delegationId, 'failed', { errorDetail: 'no luck' });
  const items = await reading;
  const [state] = items.filter((item) => item.kind === 'event');
  expect(state).toMatchObject({ event: 'delegation' });
  expect(eventsOf(items).map((event) => event.type)).toEqual(['started', 'failed']);
});
