import { drawMs, type AgentPlan } from './fleet.js';
import { mulberry32, type Random } from './prng.js';

export type AgentAction = 'arrive' | 'beat' | 'complete' | 'crash';

/** How an agent's run ended, as the agent lived it. */
export type AgentEnd =
  | 'completed'
  /** It tried to complete but the ledger had already failed it (deadline). */
  | 'overran'
  | 'crashed'
  /** A heartbeat was answered with stop: the ledger gave up on it (a wedge after its deadline). */
  | 'stopped'
  /**
   * A beat or its result was refused as superseded: its delegation was requeued while it was
   * silent and a newer attempt runs. Until then, two agents worked on one delegation.
   */
  | 'superseded';

/** The agent while it runs: what it did last and what it will do next. */
export type AgentState = {
  readonly plan: AgentPlan;
  readonly random: Random;
  readonly firstBeatMs: number;
  readonly completeAtMs: number;
  stallPending: boolean;
  /** Last moment the ledger heard from it (dispatch or a heartbeat): what the sweeper can know. */
  lastLifeMs: number;
  beats: number;
  end: AgentEnd | null;
  endMs: number | null;
  next: AgentAction;
  nextAtMs: number;
};

export function startAgent(plan: AgentPlan): AgentState {
  const firstBeatMs = plan.arrivalMs + plan.bootMs;
  const never = plan.fate === 'wedge' || plan.crashAtMs !== null;
  return {
    plan,
    random: mulberry32(plan.beatSeed),
    firstBeatMs,
    completeAtMs: never ? Number.POSITIVE_INFINITY : firstBeatMs + plan.workMs + plan.stallMs,
    stallPending: plan.fate === 'stall',
    lastLifeMs: plan.arrivalMs,
    beats: 0,
    end: null,
    endMs: null,
    next: 'arrive',
    nextAtMs: plan.arrivalMs,
  };
}

/** After dispatch: the agent boots, then beats for the first time, unless it dies while booting. */
export function scheduleAfterDispatch(state: AgentState): void {
  const { plan } = state;
  if (plan.fate === 'crashBeforeFirstBeat') schedule(state, 'crash', plan.crashAtMs as number);
  else schedule(state, 'beat', state.firstBeatMs);
}

/** After a heartbeat at `nowMs`: draws the next silence and decides what ends it. */
export function scheduleAfterBeat(state: AgentState, nowMs: number): void {
  const gapMs = nextGapMs(state, nowMs);
  const atMs = nowMs + gapMs;
  const { crashAtMs } = state.plan;
  if (crashAtMs !== null && crashAtMs <= atMs) schedule(state, 'crash', Math.max(crashAtMs, nowMs));
  else if (state.completeAtMs <= atMs) schedule(state, 'complete', state.completeAtMs);
  else schedule(state, 'beat', atMs);
}

export function endAgent(state: AgentState, end: AgentEnd, atMs: number): void {
  state.end = end;
  state.endMs = atMs;
}

function nextGapMs(state: AgentState, nowMs: number): number {
  const { profile, stallAfterMs, stallMs } = state.plan;
  if (state.stallPending && nowMs >= state.firstBeatMs + stallAfterMs) {
    state.stallPending = false;
    return stallMs;
  }
  const isLongCall = state.random() < profile.longCall.probability;
  const gap = drawMs(state.random, isLongCall ? profile.longCall.seconds : profile.beatSeconds);
  return Math.max(1, gap);
}

function schedule(state: AgentState, action: AgentAction, atMs: number): void {
  state.next = action;
  state.nextAtMs = atMs;
}
