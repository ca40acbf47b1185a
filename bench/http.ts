import { Registry } from 'prom-client';
import { createAdminApp } from '../src/adapters/http/admin-app.js';
import { servedHosts } from '../src/adapters/http/hosts.js';
import { hashToken, newToken, tokenTable } from '../src/adapters/http/identity.js';
import { listen, type RunningServer } from '../src/adapters/http/server.js';
import { createClient, type DelegationsClient } from '../src/client.js';
import type { WiredDelegations } from '../src/inversify.js';
import type { BenchContext } from './lib/context.js';
import { statusFixtureIds, type StatusFixture } from './lib/fixtures.js';
import { benchLogger, postgresLibrary } from './lib/library.js';
import { expectSame, figure, median, pairedThroughput, throughput, type Figure } from './lib/measure.js';
import { benchPool } from './lib/postgres.js';
import { pgTarget } from './lib/sql-target.js';
import { reset } from './transitions.js';

const SECTION = '9. service API over HTTP vs the in-process ledger (PostgreSQL, same pool; keep-alive fetch, server in this process)';
const POOL_SIZE = 16;
const AGENTS = [1, 16, 64] as const;
const COMPLETION_CONCURRENCY = 16;
/** The fixture's callees: row i is addressed to agent-(i % 31) (bench/lib/fixtures.ts). */
const CALLEES = 31;

type Service = {
  readonly server: RunningServer;
  readonly agentFor: (row: number) => DelegationsClient;
  /** An admin token: the routes skip the read that checks an agent's delegation is its own. */
  readonly admin: DelegationsClient;
};

/**
 * The daemon's app as the daemon builds it (request log on, agent tokens checked per request),
 * on the same ledger the in-process side calls; one agent token per callee of the fixture.
 */
async function startService(lib: WiredDelegations): Promise<Service> {
  const tokens = Array.from({ length: CALLEES }, () => newToken());
  const adminToken = newToken();
  const table = tokenTable([
    ...tokens.map((token, i) => ({ role: 'agent', name: `agent-${i}`, sha256: hashToken(token), calleeId: `agent-${i}` }) as const),
    { role: 'admin', name: 'bench-admin', sha256: hashToken(adminToken) },
  ]);
  let port = 0;
  const services = { ledger: lib.ledger, sweeper: lib.sweeper, clock: lib.clock };
  const app = createAdminApp({
    services: () => services,
    registry: new Registry(),
    logger: benchLogger(),
    token: null,
    tokens: table,
    served: () => servedHosts('127.0.0.1', port, []),
  });
  const server = await listen(app, { port: 0, host: '127.0.0.1' });
  port = server.port;
  const clients = tokens.map((token) => createClient({ baseUrl: server.url, token, maxRetries: 0 }));
  // Row ids are 1-based: `${prefix}${row + 1}` is row + 1 in the fixture's numbering.
  const admin = createClient({ baseUrl: server.url, token: adminToken, maxRetries: 0 });
  return { server, agentFor: (row) => clients[(row + 1) % CALLEES] as DelegationsClient, admin };
}

export async function httpSection(ctx: BenchContext): Promise<Figure[]> {
  const lib = await postgresLibrary(POOL_SIZE);
  const pool = benchPool(2);
  const target = pgTarget(pool);
  const service = await startService(lib);
  const figures: Figure[] = [];
  try {
    figures.push(...(await heartbeats(ctx, lib, service, target)));
    figures.push(...(await completions(ctx, lib, service, target)));
    return figures;
  } finally {
    await service.server.close();
    await lib.close();
    await pool.end();
  }
}

async function heartbeats(ctx: BenchContext, lib: WiredDelegations, service: Service, target: ReturnType<typeof pgTarget>): Promise<Figure[]> {
  const rows = ctx.quick ? 1_000 : 4_000;
  const fixture: StatusFixture = { prefix: 'hb', count: rows, status: 'in_progress' };
  const ids = statusFixtureIds(fixture);
  const figures: Figure[] = [];
  for (const agents of AGENTS) {
    // One agent is the slowest case by far: fewer beats measure it as well.
    const units = ctx.quick ? 300 : agents === 1 ? 1_000 : 3_000;
    const runs = { http: [] as number[], admin: [] as number[], ledger: [] as number[] };
    for (let round = 0; round < ctx.rounds; round += 1) {
      ctx.progress(`http: heartbeats, ${agents} concurrent agents, round ${round + 1}`);
      await reset(target, [fixture]);
      const recorded = { http: 0, admin: 0, ledger: 0 };
      // Agent k of the run beats its own delegation: op i is agent (i % agents)'s beat.
      const row = (i: number) => i % Math.min(agents, rows);
      const sides = {
        ledger: async (i: number) => {
          if ((await lib.ledger.heartbeat(ids[row(i)] as string, { attempt: 1 })).outcome === 'recorded') recorded.ledger += 1;
        },
        http: async (i: number) => {
          const r = row(i);
          if ((await service.agentFor(r).heartbeat(ids[r] as string, { attempt: 1 })).outcome === 'recorded') recorded.http += 1;
        },
        admin: async (i: number) => {
          if ((await service.admin.heartbeat(ids[row(i)] as string, { attempt: 1 })).outcome === 'recorded') recorded.admin += 1;
        },
      };
      // Warm both (connections opened, code paths compiled), then count afresh.
      await throughput(4 * agents, agents, sides.ledger);
      await throughput(4 * agents, agents, sides.http);
      await throughput(4 * agents, agents, sides.admin);
      recorded.http = 0;
      recorded.admin = 0;
      recorded.ledger = 0;
      const rates = await pairedThroughput(units, agents, sides);
      expectSame('in-process heartbeats recorded', units, recorded.ledger);
      expectSame('HTTP heartbeats recorded', units, recorded.http);
      expectSame('HTTP heartbeats (admin token) recorded', units, recorded.admin);
      runs.http.push(rates.http);
      runs.admin.push(rates.admin);
      runs.ledger.push(rates.ledger);
    }
    const ratio = median(runs.http) / median(runs.ledger);
    figures.push(
      figure(SECTION, `HTTP POST /v1/delegations/:id/heartbeat, ${agents} concurrent agent${agents === 1 ? '' : 's'}`, 'beats/s', runs.http, {
        label: 'HTTP / in-process',
        value: ratio,
      }),
      figure(SECTION, `  diagnostic: the same with an admin token (no ownership read), ${agents} concurrent`, 'beats/s', runs.admin, {
        label: 'HTTP / in-process',
        value: median(runs.admin) / median(runs.ledger),
      }),
      figure(SECTION, `in-process ledger.heartbeat, ${agents} concurrent caller${agents === 1 ? '' : 's'}`, 'beats/s', runs.ledger),
    );
  }
  return figures;
}

async function completions(ctx: BenchContext, lib: WiredDelegations, service: Service, target: ReturnType<typeof pgTarget>): Promise<Figure[]> {
  const units = ctx.quick ? 400 : 2_000;
  const warm = 2 * COMPLETION_CONCURRENCY;
  // Each side completes rows of its own: a completed row cannot be completed again.
  const fixtures = {
    ledger: { prefix: 'cl', count: units + warm, status: 'in_progress' },
    http: { prefix: 'ch', count: units + warm, status: 'in_progress' },
  } as const;
  const ids = { ledger: statusFixtureIds(fixtures.ledger), http: statusFixtureIds(fixtures.http) };
  const runs = { http: [] as number[], ledger: [] as number[] };
  for (let round = 0; round < ctx.rounds; round += 1) {
    ctx.progress(`http: completions, concurrency ${COMPLETION_CONCURRENCY}, round ${round + 1}`);
    await reset(target, [fixtures.ledger, fixtures.http]);
    const applied = { http: 0, ledger: 0 };
    const at = (offset: number) => ({
      ledger: async (i: number) => {
        const outcome = await lib.ledger.setStatus(ids.ledger[offset + i] as string, 'completed', { attempt: 1, resultPreview: 'done' });
        if (outcome.outcome === 'applied') applied.ledger += 1;
      },
      http: async (i: number) => {
        const row = offset + i;
        const outcome = await service.agentFor(row).complete(ids.http[row] as string, { attempt: 1, result: 'done' });
        if (outcome.outcome === 'applied') applied.http += 1;
      },
    });
    const warmup = at(units);
    await throughput(warm, COMPLETION_CONCURRENCY, warmup.ledger);
    await throughput(warm, COMPLETION_CONCURRENCY, warmup.http);
    applied.http = 0;
    applied.ledger = 0;
    const rates = await pairedThroughput(units, COMPLETION_CONCURRENCY, at(0));
    expectSame('in-process completions applied', units, applied.ledger);
    expectSame('HTTP completions applied', units, applied.http);
    runs.http.push(rates.http);
    runs.ledger.push(rates.ledger);
  }
  return [
    figure(SECTION, `HTTP POST /v1/delegations/:id/complete, concurrency ${COMPLETION_CONCURRENCY}`, 'ops/s', runs.http, {
      label: 'HTTP / in-process',
      value: median(runs.http) / median(runs.ledger),
    }),
    figure(SECTION, `in-process ledger.setStatus(completed), concurrency ${COMPLETION_CONCURRENCY}`, 'ops/s', runs.ledger),
  ];
}
