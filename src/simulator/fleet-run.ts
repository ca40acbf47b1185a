import type { Ledger, Sweeper } from '../app/ledger-api.js';
import { VirtualClock } from '../adapters/memory/virtual-clock.js';
import { endAgent, scheduleAfterBeat, scheduleAfterDispatch, startAgent, type AgentState } from './agent.js';
import { EventQueue, SWEEP } from './event-queue.js';
import type { AgentPlan } from './fleet.js';
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
  readonly agents: readonly AgentState[];
  readonly tally: LedgerTally;
  /** The ledger the run drove, for reading its history afterwards. */
  readonly ledger: Ledger;
};

export type FleetRunOptions = {
  readonly bootGraceMs?: number | undefined;
  /** Called now and then with the virtual time reached and the time the run expects to end by. */
  readonly onProgress?: ((virtualMs: number, expectedEndMs: number) => void) | undefined;
};

type Run = { readonly ledger: Ledger; readonly clock: VirtualClock; readonly queue: EventQueue; readonly tally: LedgerTally; ended: number };

// Progress is reported by work done, not by wall time, so a run stays deterministic.
const PROGRESS_EVERY = 8192;

/**
 * One sweeper setting, simulated: a discrete-event loop over a virtual clock,
 * with every agent action a call on the real ledger and every tick a real
 * sweep. It ends once every delegation is terminal (crashed ones end at their
 * deadline) and every agent has stopped (a wedge stops when a heartbeat is
 * answered with stop), so wedges and late crashes are all counted.
 */
export async function runFleet(plans: readonly AgentPlan[], setting: SweepSetting, options: FleetRunOptions = {}): Promise<FleetRun> {
  const clock = new VirtualClock();
  const startedAt = clock.now();
  const { ledger, sweeper, config } = simulatedServices(setting, clock, options.bootGraceMs);
  const agents = plans.map(startAgent);
  const run: Run = { ledger, clock, queue: new EventQueue(plans.map((p) => p.arrivalMs)), tally: emptyTally(), ended: 0 };
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
      const settled = await sweep(sweeper, run.tally, plans.length);
      if ((settled && run.ended === plans.length) || nowMs >= capMs) break;
      run.queue.push(nowMs + setting.intervalMs, SWEEP);
    } else {
      await act(run, agents[due.agent] as AgentState, due.agent, nowMs);
    }
    if (steps % PROGRESS_EVERY === 0) options.onProgress?.(nowMs, expectedEndMs);
  }
  const unsettled = plans.length - run.tally.completed - run.tally.deadlineFailures;
  return { setting, bootGraceMs: config.bootGraceMs, startedAt, endMs: nowMs, unsettled, agents, tally: run.tally, ledger };
}

/** One agent action: a call on the ledger (a crash is none), then the agent's next action is queued. */
async function act(run: Run, agent: AgentState, index: number, nowMs: number): Promise<void> {
  switch (agent.next) {
    case 'arrive':
      await arrive(run, agent, nowMs);
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

async function arrive(run: Run, agent: AgentState, nowMs: number): Promise<void> {
  const { delegationId, profile } = agent.plan;
  const deadline = new Date(run.clock.now().getTime() + profile.deadlineSeconds * 1000);
  await run.ledger.create({ delegationId, callerId: 'simulator', calleeId: profile.name, task: `simulated ${profile.name} task`, deadline });
  run.tally.created += 1;
  const dispatched = await run.ledger.setStatus(delegationId, 'dispatched', { actor: 'simulator' });
  if (dispatched.outcome === 'applied') run.tally.dispatched += 1;
  agent.lastLifeMs = nowMs;
  scheduleAfterDispatch(agent);
}

async function beat(run: Run, agent: AgentState, nowMs: number): Promise<void> {
  const outcome = await run.ledger.heartbeat(agent.plan.delegationId);
  run.tally.heartbeats += 1;
  // The ledger answers stop once the delegation is terminal: the agent gives up, as a real one would.
  if (outcome.stop) return endAgent(agent, 'stopped', nowMs);
  if (outcome.outcome === 'applied' && outcome.event.type === 'started') run.tally.started += 1;
  if (outcome.outcome === 'applied' && outcome.event.type === 'recovered') run.tally.recovered += 1;
  agent.lastLifeMs = nowMs;
  agent.beats += 1;
  scheduleAfterBeat(agent, nowMs);
}

async function complete(run: Run, agent: AgentState, nowMs: number): Promise<void> {
  const outcome = await run.ledger.setStatus(agent.plan.delegationId, 'completed', { resultPreview: 'done', actor: 'agent' });
  const applied = outcome.outcome === 'applied';
  if (applied) run.tally.completed += 1;
  else run.tally.refusedCompletions += 1;
  agent.lastLifeMs = nowMs;
  endAgent(agent, applied ? 'completed' : 'overran', nowMs);
}

/** One real sweep; true once every delegation is terminal (only the sweeper fails them, agents only complete). */
async function sweep(sweeper: Sweeper, tally: LedgerTally, agents: number): Promise<boolean> {
  const result = await sweeper.sweep();
  tally.sweeps += 1;
  tally.markedStuck += result.stuckMarked;
  tally.deadlineFailures += result.deadlineFailures;
  tally.sweepErrors += result.errors;
  return tally.created === agents && tally.completed + tally.deadlineFailures >= agents;
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
    heartbeats: 0,
    refusedCompletions: 0,
    sweeps: 0,
    sweepErrors: 0,
  };
}
