import type { Ledger, Sweeper } from '../app/ledger-api.js';
import { VirtualClock } from '../adapters/memory/virtual-clock.js';
import { endAgent, scheduleAfterBeat, scheduleAfterDispatch, startAgent, type AgentState } from './agent.js';
import { CLAIM, EventQueue, SWEEP } from './event-queue.js';
import { claimQueued, scheduleClaim, type ClaimState } from './fleet-claims.js';
import type { AgentPlan } from './fleet.js';
import { NO_RETRY } from './policies.js';
import { longestSilenceSeconds } from './profiles.js';
import { simulatedServices, type SweepSetting } from './services.js';

/** What the simulator saw the ledger and sweeper do, counted from their answers as they came. */
export type LedgerTally = {
  created: number;
  dispatched: number;
  started: number;
  recovered: number;
  completed: number;
  markedStuck: number;
  deadlineFailures: number;
  /** Stuck delegations the sweeper requeued under their retry policy. */
  requeued: number;
  /** Stuck delegations the sweeper failed with their attempts spent. */
  retriesExhausted: number;
  /** Requeued delegations the fleet claimed (each is also counted as dispatched). */
  claimed: number;
  heartbeats: number;
  refusedCompletions: number;
  sweeps: number;
  sweepErrors: number;
};

export type FleetRun = {
  readonly setting: SweepSetting;
  readonly bootGraceMs: number;
  /** Virtual time of the run's start; every `...Ms` is relative to it. */
  readonly startedAt: Date;
  readonly endMs: number;
  /** Delegations the run gave up waiting for (0 unless the safety cap was hit). */
  readonly unsettled: number;
  /** The fleet's plans, one per delegation, in arrival order. */
  readonly plans: readonly AgentPlan[];
  /** Every agent that ran: one per plan first (in plan order), then one per claimed retry, in claim order. */
  readonly agents: readonly AgentState[];
  readonly tally: LedgerTally;
  /** The ledger the run drove, for reading its history afterwards. */
  readonly ledger: Ledger;
};

export type FleetRunOptions = {
  readonly bootGraceMs?: number | undefined;
  /** Seed of the retry backoffs' jitter (simulate passes the fleet's); default 0. */
  readonly seed?: number | undefined;
  /** Called now and then with the virtual time reached and the time the run expects to end by. */
  readonly onProgress?: ((virtualMs: number, expectedEndMs: number) => void) | undefined;
};

type Run = ClaimState & { readonly tally: LedgerTally; ended: number };

// Progress is reported by work done, not by wall time, so a run stays deterministic.
const PROGRESS_EVERY = 8192;

/**
 * One sweeper setting, simulated: a discrete-event loop over a virtual clock,
 * with every agent action a call on the real ledger and every tick a real
 * sweep. Delegations are created with the setting's retry policy; what the
 * sweeper requeues, the fleet claims and hands to a fresh agent. It ends once
 * every delegation is terminal (crashed ones end at their deadline or with
 * their attempts spent) and every agent has stopped (a wedge stops when a
 * heartbeat is answered with stop), so wedges and late crashes are all counted.
 */
export async function runFleet(plans: readonly AgentPlan[], setting: SweepSetting, options: FleetRunOptions = {}): Promise<FleetRun> {
  const clock = new VirtualClock();
  const startedAt = clock.now();
  const { ledger, sweeper, config } = simulatedServices(setting, clock, options.bootGraceMs, options.seed ?? 0);
  const run: Run = {
    ledger,
    clock,
    startedAt,
    queue: new EventQueue(plans.map((p) => p.arrivalMs)),
    agents: plans.map(startAgent),
    firstAttempts: new Map(plans.map((p) => [p.delegationId, p])),
    callees: [...new Set(plans.map((p) => p.profile.name))],
    claimsDue: new Set(),
    tally: emptyTally(),
    ended: 0,
  };
  const expectedEndMs = plans.reduce((latest, p) => Math.max(latest, p.arrivalMs + p.profile.deadlineSeconds * 1000), 0);
  // Every delegation is terminal one interval after the last deadline, and every agent has heard so by its
  // next beat; past this the run is stuck, not slow.
  const longestGapMs = [...new Set(plans.map((p) => p.profile))].reduce((most, p) => Math.max(most, longestSilenceSeconds(p)), 0) * 1000;
  const capMs = expectedEndMs + 2 * setting.intervalMs + longestGapMs;
  run.queue.push(0, SWEEP);
  let nowMs = 0;
  for (let steps = 1; ; steps += 1) {
    const due = run.queue.pop();
    if (due === undefined) break;
    clock.advance(due.atMs - nowMs);
    nowMs = due.atMs;
    if (due.agent === SWEEP) {
      const settled = await sweep(run, sweeper, plans.length, nowMs);
      if ((settled && run.ended === run.agents.length) || nowMs >= capMs) break;
      run.queue.push(nowMs + setting.intervalMs, SWEEP);
    } else if (due.agent === CLAIM) {
      const claimed = await claimQueued(run, nowMs);
      run.tally.claimed += claimed;
      run.tally.dispatched += claimed;
    } else {
      await act(run, run.agents[due.agent] as AgentState, due.agent, nowMs, setting);
    }
    if (steps % PROGRESS_EVERY === 0) options.onProgress?.(nowMs, expectedEndMs);
  }
  const { tally } = run;
  const unsettled = plans.length - tally.completed - tally.deadlineFailures - tally.retriesExhausted;
  return { setting, bootGraceMs: config.bootGraceMs, startedAt, endMs: nowMs, unsettled, plans, agents: run.agents, tally, ledger };
}

/** One agent action: a call on the ledger (a crash is none), then the agent's next action is queued. */
async function act(run: Run, agent: AgentState, index: number, nowMs: number, setting: SweepSetting): Promise<void> {
  switch (agent.next) {
    case 'arrive':
      await arrive(run, agent, nowMs, setting);
      break;
    case 'beat':
      await beat(run, agent, nowMs);
      break;
    case 'complete':
      await complete(run, agent, nowMs);
      break;
    case 'crash':
      // A crash says nothing to the ledger: that silence is what the sweeper must notice.
      endAgent(agent, 'crashed', nowMs);
      break;
  }
  if (agent.end === null) run.queue.push(agent.nextAtMs, index);
  else run.ended += 1;
}

async function arrive(run: Run, agent: AgentState, nowMs: number, setting: SweepSetting): Promise<void> {
  const { delegationId, profile } = agent.plan;
  const deadline = new Date(run.clock.now().getTime() + profile.deadlineSeconds * 1000);
  const retry = (setting.policy ?? NO_RETRY).retry;
  await run.ledger.create({ delegationId, callerId: 'simulator', calleeId: profile.name, task: `simulated ${profile.name} task`, deadline, retry });
  run.tally.created += 1;
  // Pushed to its own agent, as before retries: a claim would take the callee's oldest queued work instead.
  const dispatched = await run.ledger.setStatus(delegationId, 'dispatched', { actor: 'simulator' });
  if (dispatched.outcome === 'applied') run.tally.dispatched += 1;
  agent.lastLifeMs = nowMs;
  scheduleAfterDispatch(agent);
}

async function beat(run: Run, agent: AgentState, nowMs: number): Promise<void> {
  const outcome = await run.ledger.heartbeat(agent.plan.delegationId, { attempt: agent.plan.attempt });
  run.tally.heartbeats += 1;
  // Told to stop (the delegation is terminal, or a newer attempt runs): the agent gives up, as a real one would.
  if (outcome.stop) return endAgent(agent, outcome.reason === 'superseded' ? 'superseded' : 'stopped', nowMs);
  if (outcome.outcome === 'applied' && outcome.event.type === 'started') run.tally.started += 1;
  if (outcome.outcome === 'applied' && outcome.event.type === 'recovered') run.tally.recovered += 1;
  agent.lastLifeMs = nowMs;
  agent.beats += 1;
  scheduleAfterBeat(agent, nowMs);
}

async function complete(run: Run, agent: AgentState, nowMs: number): Promise<void> {
  const { delegationId, attempt } = agent.plan;
  const outcome = await run.ledger.setStatus(delegationId, 'completed', { resultPreview: 'done', actor: 'agent', attempt });
  agent.lastLifeMs = nowMs;
  if (outcome.outcome === 'applied') {
    run.tally.completed += 1;
    return endAgent(agent, 'completed', nowMs);
  }
  run.tally.refusedCompletions += 1;
  const superseded = outcome.outcome === 'refused' && outcome.reason === 'stale_attempt';
  endAgent(agent, superseded ? 'superseded' : 'overran', nowMs);
}

/** One real sweep; true once every delegation is terminal (only the sweeper fails them, agents only complete). */
async function sweep(run: Run, sweeper: Sweeper, delegations: number, nowMs: number): Promise<boolean> {
  const { tally } = run;
  const result = await sweeper.sweep();
  tally.sweeps += 1;
  tally.markedStuck += result.stuckMarked;
  tally.deadlineFailures += result.deadlineFailures;
  tally.requeued += result.requeued;
  tally.retriesExhausted += result.retriesExhausted;
  tally.sweepErrors += result.errors;
  if (result.requeued > 0) await scheduleClaim(run, nowMs);
  return tally.created === delegations && tally.completed + tally.deadlineFailures + tally.retriesExhausted >= delegations;
}

function emptyTally(): LedgerTally {
  return {
    created: 0,
    dispatched: 0,
    started: 0,
    recovered: 0,
    completed: 0,
    markedStuck: 0,
    deadlineFailures: 0,
    requeued: 0,
    retriesExhausted: 0,
    claimed: 0,
    heartbeats: 0,
    refusedCompletions: 0,
    sweeps: 0,
    sweepErrors: 0,
  };
}
