import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { connectPostgres } from '../../src/adapters/drizzle/connections.js';
import { DrizzleDelegationStore } from '../../src/adapters/drizzle/drizzle-store.js';
import { createPinoLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { openDelegations as createDelegations } from '../../src/delegations.js';
import { DatabaseError, DatabaseUnavailableError } from '../../src/domain/index.js';
import { T0 } from '../support/ledger-harness.js';
import { usePostgresConnection } from '../support/postgres.js';

const postgres = usePostgresConnection('db_errors', 2);

/** A pino logger whose lines land in `lines`. */
function capturingLogger(lines: string[]) {
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return createPinoLogger({ level: 'debug', destination });
}

/** A port in 55000-55999 with nothing listening on it (checked by listening once). */
async function closedPort(): Promise<number> {
  for (;;) {
    const port = 55_000 + Math.floor(Math.random() * 1000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }
  }
}

describe('typed database errors (PostgreSQL)', () => {
  it('reports an unreachable server as DatabaseUnavailableError with the system code', async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/nothing`;
    const error = await connectPostgres({ connectionString: url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error).toMatchObject({ kind: 'unavailable', code: 'ECONNREFUSED', sqlState: undefined });
  });

  it('never puts a parameter value or the statement in the message or in a logged line', async () => {
    const secret = 'caller-secret-4711';
    const store = new DrizzleDelegationStore(postgres().db);
    // An attempt beyond int4: the server refuses it with a message that quotes the value.
    const error = await store.recordHeartbeats([{ delegationId: secret, attempt: 2 ** 31, progress: null }], T0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ kind: 'rejected', sqlState: '22003' });
    const lines: string[] = [];
    capturingLogger(lines).error({ err: error }, 'heartbeat failed');
    for (const text of [(error as Error).message, lines.join('')]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(String(2 ** 31));
      expect(text).not.toContain('UPDATE');
    }
  });

  it('logs a failed sweep without its statement or values', async () => {
    const lines: string[] = [];
    const d = await createDelegations({
      store: 'postgres',
      connectionString: postgres().database.url,
      poolSize: 1,
      clock: new VirtualClock(T0),
      logger: capturingLogger(lines),
      env: {},
    });
    await d.store.close();
    expect(await d.sweeper.sweep()).toMatchObject({ errors: 1 });
    const failure = lines.find((line) => line.includes('sweep failed'));
    expect(failure).toBeDefined();
    expect(failure).toContain('DatabaseUnavailableError');
    expect(failure).not.toMatch(/delegation_events|WITH due|Failed query/);
    await d.close();
  });
});
