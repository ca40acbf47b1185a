import pg from 'pg';
import { createTestDatabase } from '../support/postgres.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectPostgres, type Connection } from '../../src/adapters/drizzle/connections.js';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import { recordingLogger } from '../support/memory.js';
import { eventually, ledgerOn, shared, type Ledgered } from '../support/subscriptions.js';

// Two containers on two pools stand for two processes: the subscriber's in-process
// signal never hears the writer, so only NOTIFY (or the poll, set to a minute) can wake it.
let url: string;
let drop: () => Promise<void>;
const connections: Connection[] = [];
const ledgers: Ledgered[] = [];

beforeAll(async () => {
  const database = await createTestDatabase('wakeups');
  url = database.url;
  drop = database.drop;
});
afterAll(async () => {
  await Promise.all(ledgers.map((ledger) => ledger.close()));
  await Promise.all(connections.map((connection) => connection.close()));
  await drop?.();
});

async function process(logger = recordingLogger()): Promise<Ledgered> {
  const connection = await connectPostgres({ connectionString: url, poolSize: 3 });
  connections.push(connection);
  const ledger = ledgerOn(drizzleModule(shared(connection)), logger);
  ledgers.push(ledger);
  return ledger;
}

const create = (d: Ledgered, id: string) => d.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: id, idempotencyKey: id });

it('wakes a subscriber in another process through NOTIFY, long before its poll', async () => {
  const [subscriber, writer] = [await process(), await process()];
  const seen: string[] = [];
  const sub = subscriber.subscribe({ name: 'notified', pollIntervalMs: 60_000, handler: (events) => void seen.push(...events.map((e) => e.delegationId)) });
  await eventually('the subscription is idle', () => sub.position !== null);
  await create(writer, 'from-elsewhere');
  await eventually('the event arrives through NOTIFY', () => seen.includes('from-elsewhere'), 3_000);
});

it('reconnects and resumes after the server drops every connection', async () => {
  const logger = recordingLogger();
  const [subscriber, writer] = [await process(logger), await process()];
  const seen: string[] = [];
  const sub = subscriber.subscribe({
    name: 'reconnects',
    from: 'end',
    pollIntervalMs: 60_000,
    retryDelayMs: 20,
    handler: (events) => void seen.push(...events.map((e) => e.delegationId)),
  });
  await eventually('the subscription is idle', () => sub.position !== null);
  await create(writer, 'before');
  await eventually('the first event', () => seen.includes('before'));

  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  await admin.end();
  await eventually('the loss is noticed', () => logger.lines.some((line) => line.message.startsWith('subscription wake-ups lost')));

  // The writer's own pool may hand out a connection the server just dropped: it retries, idempotently.
  await eventually('the writer gets through', () =>
    create(writer, 'during').then(
      () => true,
      () => false,
    ),
  );
  await eventually('the event written while reconnecting', () => seen.includes('during'), 5_000);
  await eventually('wake-ups are back', () => logger.lines.some((line) => line.message === 'subscription wake-ups restored'), 5_000);
  await create(writer, 'after');
  await eventually('the event after the reconnect, by NOTIFY', () => seen.includes('after'), 3_000);
  expect(seen).toEqual(['before', 'during', 'after']);
  expect(sub.position).not.toBeNull();
});
