/** The hosts the packaging test installs the package into: what a newcomer writes first. */

/** A plain Node ESM host: our modules in the host's own container, on memory and on PGlite. */
export const ESM_HOST = `
import 'reflect-metadata';
import { Container } from 'inversify';
import { silentLogger } from 'delegation-ledger';
import { configModule, drizzleModule, memoryModule, servicesModule, TOKENS, verifyProjections } from 'delegation-ledger/inversify';
import { openPglite } from 'delegation-ledger/drizzle';
import { VirtualClock } from 'delegation-ledger/memory';

const THRESHOLD_MS = 60_000;
const adapters = {
  memory: async (clock) => memoryModule({ clock }),
  pglite: async (clock) => drizzleModule(await openPglite({}), { clock }),
};

for (const [store, adapter] of Object.entries(adapters)) {
  const clock = new VirtualClock();
  const container = new Container();
  container.load(configModule({ stuckThresholdMs: THRESHOLD_MS, bootGraceMs: 0 }, silentLogger, {}), await adapter(clock), servicesModule);
  const ledger = container.get(TOKENS.Ledger);
  const seen = [];
  const subscription = container.get(TOKENS.Subscriptions).subscribe({ name: 'host', handler: (events) => void seen.push(...events.map((e) => e.type)) });
  const silent = await ledger.create({ callerId: 'host', calleeId: 'agent', task: 'packaged' });
  await ledger.setStatus(silent.delegationId, 'dispatched');
  clock.advance(THRESHOLD_MS + 1_000);
  const sweep = await container.get(TOKENS.Sweeper).sweep();
  await subscription.caughtUp();
  await container.get(TOKENS.Subscriptions).stopAll();
  const verify = await verifyProjections(container.get(TOKENS.Store));
  const status = (await ledger.get(silent.delegationId)).status;
  await container.get(TOKENS.Store).close();
  console.log(JSON.stringify({ store, status, sweep, seen, verify }));
}
`;

/** What each import path exports at run time, by name. */
export const SURFACE_HOST = `
const surface = {};
for (const subpath of ['', '/inversify', '/drizzle', '/memory', '/simulator', '/client']) {
  surface[subpath === '' ? '.' : '.' + subpath] = Object.keys(await import('delegation-ledger' + subpath));
}
console.log(JSON.stringify(surface));
`;

/** A strict TypeScript host: our declarations, and theirs, must check without skipLibCheck. */
export const TS_HOST = `
import 'reflect-metadata';
import { Container } from 'inversify';
import {
  createDelegations,
  InvalidInputError,
  silentLogger,
  STATUSES,
  type Delegation,
  type Delegations,
  type Ledger,
  type Status,
  type StoredEvent,
  type TransitionOutcome,
} from 'delegation-ledger';
import { configModule, drizzleModule, memoryModule, servicesModule, TOKENS } from 'delegation-ledger/inversify';
import { connectPostgres, openPglite, schema, type Connection } from 'delegation-ledger/drizzle';
import { MemoryDelegationStore, VirtualClock } from 'delegation-ledger/memory';
import { formatTable, simulate, type SimulationReport } from 'delegation-ledger/simulator';
import { AccessDeniedError, createClient, runDelegation as runOverHttp, type DelegationsClient, type HeartbeatOutcome, type RunnerLedger } from 'delegation-ledger/client';

export async function host(): Promise<unknown[]> {
  const container = new Container();
  container.load(configModule({ stuckThresholdMs: 60_000 }, silentLogger, process.env), memoryModule({ clock: new VirtualClock(), store: new MemoryDelegationStore() }), servicesModule);
  const ledger: Ledger = container.get(TOKENS.Ledger);
  // @ts-expect-error the tokens are typed: a ledger is no string
  const notALedger: string = container.get(TOKENS.Ledger);
  const created: Delegation = await ledger.create({ callerId: 'host', calleeId: 'agent', task: 'typed' });
  const outcome: TransitionOutcome = await ledger.setStatus(created.delegationId, 'dispatched');
  const status: Status = outcome.outcome === 'not_found' ? 'queued' : outcome.delegation.status;
  const delegations: Delegations = await createDelegations({ store: 'memory' });
  const history: StoredEvent[] = await delegations.ledger.history(created.delegationId);
  const connection: Connection = await openPglite({});
  const postgres = await connectPostgres({ connectionString: 'postgres://postgres@127.0.0.1:5432/host' });
  // @ts-expect-error the pool is a pg.Pool, not any: it is no string
  const notAPool: string = postgres.pool;
  const waiting: number = postgres.pool.waitingCount;
  const report: (options: Parameters<typeof simulate>[0]) => Promise<SimulationReport> = simulate;
  // The client is what the runner runs on, as the ledger is; its answers are the ledger's types.
  const client: DelegationsClient = createClient({ baseUrl: 'http://127.0.0.1:8080', token: 'agent-token' });
  const overHttp: RunnerLedger = client;
  const inProcess: RunnerLedger = ledger;
  const beat: (id: string) => Promise<HeartbeatOutcome> = (id) => client.heartbeat(id, { attempt: 1 });
  // @ts-expect-error a page of the list is no array of delegations
  const notAList: Delegation[] = await client.list({ limit: 1 }).catch(() => []);
  return [overHttp, inProcess, beat, notAList, runOverHttp, AccessDeniedError, notALedger, status, history, drizzleModule(connection), notAPool, waiting, schema.delegations, report, formatTable, STATUSES, InvalidInputError];
}
`;

/**
 * The third-party declarations ours reach, on their own: drizzle-orm 0.45 and
 * PGlite report errors of their own under skipLibCheck: false (dialects we
 * never use, optional peers such as mysql2 and gel, WebAssembly types), so
 * the check is that our declarations add none to theirs.
 */
export const TS_BASELINE = `
export type { PGlite } from '@electric-sql/pglite';
export type { SQL } from 'drizzle-orm';
export type { PgDatabase } from 'drizzle-orm/pg-core';
`;

export const TS_HOST_CONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    skipLibCheck: false,
    noEmit: true,
  },
};
