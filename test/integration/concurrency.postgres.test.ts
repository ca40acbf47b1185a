import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isTerminal, type Status, type StoredEvent } from '../../src/domain/index.js';
import type { SweepResult, TransitionOutcome } from '../../src/app/ledger-api.js';
import type { Clock } from '../../src/app/ports.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { createDelegations, type Delegations } from '../../src/delegations.js';
import { countingLogger, inParallel, seededRandom, sleep } from '../support/actors.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { RESET_TABLES } from '../support/tables.js';

const DELEGATIONS = 500;
const SWEEPERS = 4;
const AGENTS = 4;
const RACE_ROUNDS = 200;
const THRESHOLD_MS = 400;
const LOST_RACE = 'lost a race, deciding again';

const database = usePostgresDatabase('concurrency');
const opened: Delegations[] = [];

/** One replica of the host service: its own createDelegations and pool on the shared database. */
async function replica(logger: ReturnType<typeof countingLogger>, poolSize: number, clock?: Clock): Promise<Delegations> {
  const d = await createDelegations({
    store: 'postgres',
    connectionString: database().url,
    poolSize,
    migrate: true,
    logger,
    env: {},
    stuckThresholdMs: THRESHOLD_MS,
    bootGraceMs: 0,
    ...(clock ? { clock } : {}),
  });
  opened.push(d);
  return d;
}

afterAll(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

const terminalEvents = (history: readonly StoredEvent[]) => history.filter((e) => e.type !== 'detail_recorded' && isTerminal(e.toStatus));

/** Events after the first terminal one that move the status: a reversal of a terminal transition. */
const reversals = (history: readonly StoredEvent[]) => {
  const first = history.findIndex((e) => e.type !== 'detail_recorded' && isTerminal(e.toStatus));
  return first < 0 ? 0 : history.slice(first + 1).filter((e) => e.type !== 'detail_recorded').length;
};

async function allStreams(url: string): Promise<Map<string, StoredEvent[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT delegation_id, version, type, from_status, to_status, position FROM delegation_events ORDER BY delegation_id, version',
    );
    const streams = new Map<string, StoredEvent[]>();
    for (const row of rows) {
      const event = {
        delegationId: row.delegation_id,
        version: row.version,
        type: row.type,
        fromStatus: row.from_status,
        toStatus: row.to_status,
        position: Number(row.position),
      } as StoredEvent;
      streams.set(event.delegationId, [...(streams.get(event.delegationId) ?? []), event]);
    }
    return streams;
  } finally {
    await client.end();
  }
}

describe('many replicas on one PostgreSQL', () => {
  it(`keeps ${DELEGATIONS} delegations consistent while ${AGENTS} agents and ${SWEEPERS} sweepers race`, async () => {
    const logs = { caller: countingLogger(), agents: countingLogger(), operator: countingLogger(), sweepers: countingLogger() };
    const caller = await replica(logs.caller, 8);
    const agents = await Promise.all(Array.from({ length: AGENTS }, () => replica(logs.agents, 4)));
    const operator = await replica(logs.operator, 2);
    const sweepers = await Promise.all(Array.from({ length: SWEEPERS }, () => replica(logs.sweepers, 2)));
    const random = seededRandom(20260101);
    const started = performance.now();

    const ids = Array.from({ length: DELEGATIONS }, (_, i) => `c${String(i).padStart(4, '0')}`);
    const plans = ids.map((id) => ({
      id,
      plan: random(),
      beats: 1 + Math.floor(random() * 3),
      gap: Math.floor(random() * 150),
      agent: Math.floor(random() * AGENTS),
    }));
    const sweeps: SweepResult[] = [];
    let sweeping = true;
    const sweeperLoops = sweepers.map(async (s) => {
      while (sweeping) {
        sweeps.push(await s.sweeper.sweep());
        await sleep(Math.floor(random() * 20));
      }
    });
    let operating = true;
    const operatorOutcomes: TransitionOutcome[] = [];
    const operatorLoop = (async () => {
      while (operating) {
        for (const stuck of await operator.ledger.list({ status: 'stuck', limit: 20 })) {
          const roll = random();
          if (roll < 0.15) operatorOutcomes.push(await operator.ledger.retry(stuck.delegationId));
          else if (roll < 0.2) operatorOutcomes.push(await operator.ledger.cancel(stuck.delegationId, { reason: 'operator gave up' }));
        }
        await sleep(25);
      }
    })();

    const agentOutcomes: TransitionOutcome[] = [];
    const work = async ({ id, plan, beats, gap, agent }: (typeof plans)[number]) => {
      const { ledger } = agents[agent] as Delegations;
      const dispatched = await ledger.setStatus(id, 'dispatched', { actor: 'dispatcher' });
      if (dispatched.outcome !== 'applied') return;
      const attempt = dispatched.delegation.attempt;
      for (let beat = 0; beat < beats; beat += 1) {
        if ((await ledger.heartbeat(id, { attempt })).stop) return;
        // A "slow" agent sometimes stays quiet longer than its timeout, then beats again (a recovery).
        await sleep(plan >= 0.8 ? gap * 2 : gap / 2);
      }
      if (plan < 0.45) agentOutcomes.push(await ledger.setStatus(id, 'completed', { attempt, resultPreview: `result of ${id}` }));
      else if (plan < 0.65) agentOutcomes.push(await ledger.setStatus(id, 'failed', { attempt, errorDetail: 'agent failed' }));
      else if (plan >= 0.8) agentOutcomes.push(await ledger.setStatus(id, 'completed', { attempt, resultPreview: 'late result' }));
      // 0.65-0.8: the agent dies silently; the sweeper marks it stuck, then failed at its deadline.
    };

    // The caller creates and hands each delegation to its agent at once; the replicas' pools limit the rest.
    let latestDeadline = 0;
    const scripts: Promise<void>[] = [];
    await inParallel(plans, 16, async (plan) => {
      const deadline = new Date(Date.now() + 1_000 + Math.floor(random() * 2_500));
      latestDeadline = Math.max(latestDeadline, deadline.getTime());
      const heartbeatTimeoutMs = [undefined, 200, 1_000][Math.floor(random() * 3)];
      await caller.ledger.create({ delegationId: plan.id, callerId: 'caller', calleeId: 'agent', task: `task ${plan.id}`, deadline, heartbeatTimeoutMs });
      scripts.push(work(plan));
    });
    await Promise.all(scripts);

    await sleep(Math.max(0, latestDeadline - Date.now() + 50));
    operating = false;
    await operatorLoop;
    sweeping = false;
    await Promise.all(sweeperLoops);
    sweeps.push(await (sweepers[0] as Delegations).sweeper.sweep());
    const seconds = (performance.now() - started) / 1000;

    const stats = await caller.ledger.stats();
    const streams = await allStreams(database().url);
    const events = [...streams.values()].flat();
    const report = await caller.verify();
    expect(report).toEqual({ checked: DELEGATIONS, mismatches: [] });
    expect(sweeps.every((s) => s.errors === 0)).toBe(true);
    expect(logs.sweepers.errors).toEqual([]);
    // Every deadline has passed and the last sweep ran: nothing may still be in flight.
    expect(await caller.ledger.list({ status: 'in_flight' }), JSON.stringify(stats)).toEqual([]);
    for (const id of ids) {
      const history = streams.get(id) ?? [];
      expect(
        history.map((e) => e.version),
        id,
      ).toEqual(history.map((_, i) => i + 1));
      history.forEach((e, i) => i > 0 && expect(e.fromStatus, `${id} v${e.version}`).toBe(history[i - 1]?.toStatus));
      expect(terminalEvents(history), id).toHaveLength(1);
      expect(reversals(history), id).toBe(0);
    }

    const applied = (outcomes: TransitionOutcome[], status?: Status) =>
      outcomes.filter((o) => o.outcome === 'applied' && (status === undefined || o.event.toStatus === status) && o.event.type !== 'detail_recorded').length;
    const swept = {
      failed: sweeps.reduce((n, s) => n + s.deadlineFailures, 0),
      stuck: sweeps.reduce((n, s) => n + s.stuckMarked, 0),
      scanned: sweeps.reduce((n, s) => n + s.scanned, 0),
    };
    // Each applied terminal transition any actor was told about is exactly one terminal event in the log.
    expect(applied(agentOutcomes) + applied(operatorOutcomes, 'cancelled') + swept.failed).toBe(DELEGATIONS);
    expect(events.filter((e) => e.type === 'marked_stuck')).toHaveLength(swept.stuck);
    const agentLost = agentOutcomes.filter((o) => o.outcome === 'refused' && o.reason === 'terminal').length;
    const redecided = logs.agents.count(LOST_RACE) + logs.operator.count(LOST_RACE);
    const sweeperSkipped = swept.scanned - swept.failed - swept.stuck;
    process.stdout.write(
      `\n[concurrency] ${DELEGATIONS} delegations, ${events.length} events, ${AGENTS} agents + ${SWEEPERS} sweepers + 1 operator, ` +
        `${seconds.toFixed(2)} s; ${sweeps.length} sweeps (${swept.failed} deadline failures, ${swept.stuck} marked stuck); ` +
        `lost races: ${agentLost} agent terminal requests refused, ${redecided} ledger re-decisions after a concurrent write, ` +
        `${sweeperSkipped} due rows a competitor moved first; terminal reversals: 0\n`,
    );
  });

  it('turns 40 concurrent creates with one idempotency key, across replicas, into one delegation', async () => {
    const replicas = [await replica(countingLogger(), 4), await replica(countingLogger(), 4)];
    const requests = Array.from({ length: 40 }, (_, i) =>
      (replicas[i % 2] as Delegations).ledger.create({
        delegationId: `idem-${i}`,
        callerId: 'caller',
        calleeId: 'agent',
        task: 'once',
        idempotencyKey: 'the-key',
      }),
    );
    const created = await Promise.all(requests);
    expect(new Set(created.map((d) => d.delegationId)).size).toBe(1);
    const [winner] = created;
    expect(await (replicas[0] as Delegations).ledger.history(winner?.delegationId ?? '')).toHaveLength(1);
    const ids = (await (replicas[1] as Delegations).ledger.list({ limit: 1000 })).filter((d) => d.delegationId.startsWith('idem-'));
    expect(ids).toHaveLength(1);
  });

  it(`lets exactly one side win each of ${RACE_ROUNDS} completion-versus-sweep races, with no terminal reversal`, async () => {
    const clock = new VirtualClock(new Date('2030-01-01T00:00:00.000Z'));
    const logs = countingLogger();
    const agent = await replica(logs, 4, clock);
    const sweepers = [await replica(countingLogger(), 2, clock), await replica(countingLogger(), 2, clock)];
    const pool = new pg.Pool({ connectionString: database().url, max: 1 });
    await pool.query(RESET_TABLES);
    await pool.end();
    const random = seededRandom(7);
    const tally = { agentWon: 0, sweeperWon: 0, reversals: 0, sweeperCollisions: 0 };
    const started = performance.now();

    for (let round = 0; round < RACE_ROUNDS; round += 1) {
      const id = `race-${round}`;
      await agent.ledger.create({ delegationId: id, callerId: 'caller', calleeId: 'agent', task: 'race', deadline: new Date(clock.now().getTime() + 1_000) });
      await agent.ledger.setStatus(id, 'in_progress');
      clock.advance(1_001);
      // Either side may start first, by up to 2 ms, so both orders of arrival are raced.
      const agentDelay = random() < 0.5 ? 0 : Math.floor(random() * 3);
      const sweepDelay = agentDelay > 0 ? 0 : Math.floor(random() * 3);
      const [completion, ...swept] = await Promise.all([
        sleep(agentDelay).then(() => agent.ledger.setStatus(id, 'completed', { resultPreview: 'done' })),
        ...sweepers.map((s) => sleep(sweepDelay).then(() => s.sweeper.sweep())),
      ]);
      const history = await agent.ledger.history(id);
      const failures = swept.reduce((n, s) => n + s.deadlineFailures, 0);
      expect(terminalEvents(history), id).toHaveLength(1);
      tally.reversals += reversals(history);
      if (completion?.outcome === 'applied') {
        tally.agentWon += 1;
        expect(failures, id).toBe(0);
        expect(await agent.ledger.get(id)).toMatchObject({ status: 'completed', resultPreview: 'done' });
      } else {
        tally.sweeperWon += 1;
        expect(completion).toMatchObject({ outcome: 'refused', reason: 'terminal' });
        expect(failures, id).toBe(1);
        expect(await agent.ledger.get(id)).toMatchObject({ status: 'failed', errorDetail: 'deadline exceeded' });
      }
      tally.sweeperCollisions += swept.reduce((n, s) => n + s.scanned, 0) - failures;
    }
    const seconds = (performance.now() - started) / 1000;
    expect(tally.reversals).toBe(0);
    expect(tally.agentWon + tally.sweeperWon).toBe(RACE_ROUNDS);
    expect((await agent.verify()).mismatches).toEqual([]);
    process.stdout.write(
      `\n[completion vs sweep] ${RACE_ROUNDS} rounds in ${seconds.toFixed(2)} s: agent won ${tally.agentWon}, sweeper won ${tally.sweeperWon} ` +
        `(the agent lost ${tally.sweeperWon} races), ${logs.count(LOST_RACE)} agent re-decisions after a concurrent write, ` +
        `${tally.sweeperCollisions} rows a sweeper found due but another moved first; exactly one terminal transition each; reversals: ${tally.reversals}\n`,
    );
  });
});
