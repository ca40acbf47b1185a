import { logUniform, mulberry32, pickWeighted, streamSeed, uniform, type Random } from './prng.js';
import { FATES, type AgentProfile, type Fate, type SecondsRange } from './profiles.js';

/** One agent's fixed traits, drawn before the run so every sweeper setting sees the same fleet. */
export type AgentPlan = {
  /** The delegation's index in the fleet (a retry's agent shares it with the first). */
  readonly index: number;
  readonly delegationId: string;
  /** The attempt this agent runs: 1 for the fleet's own, n + 1 for the agent that claims a retry. */
  readonly attempt: number;
  readonly profile: AgentProfile;
  readonly fate: Fate;
  /**
   * Virtual ms after the start of the run when the agent is handed the delegation: created and
   * dispatched for attempt 1, claimed for a retry.
   */
  readonly arrivalMs: number;
  readonly bootMs: number;
  /** Working time from the first beat to completion, stalls excluded. */
  readonly workMs: number;
  /** Absolute virtual ms of the crash, for the two crash fates. */
  readonly crashAtMs: number | null;
  /** Working time after the first beat when a stalling agent goes silent. */
  readonly stallAfterMs: number;
  readonly stallMs: number;
  /** Seed of the agent's own stream of heartbeat gaps. */
  readonly beatSeed: number;
};

export type FleetSpec = {
  readonly agents: number;
  readonly horizonMs: number;
  readonly seed: number;
  readonly profiles: readonly AgentProfile[];
};

/** Plans the fleet, in arrival order (ties by index, so the order is total). */
export function planFleet(spec: FleetSpec): AgentPlan[] {
  const width = String(Math.max(spec.agents - 1, 0)).length;
  const plans = Array.from({ length: spec.agents }, (_, index) => planAgent(spec, index, width));
  return plans.sort((a, b) => a.arrivalMs - b.arrivalMs || a.index - b.index);
}

function planAgent(spec: FleetSpec, index: number, width: number): AgentPlan {
  // Even streams plan, odd streams beat: the plan's draws never shift the beats.
  const random = mulberry32(streamSeed(spec.seed, 2 * index));
  const arrivalMs = Math.floor(random() * spec.horizonMs);
  const profile = spec.profiles[
    pickWeighted(
      random,
      spec.profiles.map((p) => p.weight),
    )
  ] as AgentProfile;
  const delegationId = `agent-${String(index).padStart(width, '0')}`;
  return { index, delegationId, attempt: 1, ...drawRun(random, profile, arrivalMs), beatSeed: streamSeed(spec.seed, 2 * index + 1) };
}

/**
 * The agent that claims attempt `attempt` of `first`'s delegation at `startMs`: a fresh agent of
 * the same profile, its fate drawn anew (a retry may succeed, or crash again). Its streams derive
 * from the first agent's, so every policy that reaches this attempt meets the same agent.
 */
export function planRetry(first: AgentPlan, attempt: number, startMs: number): AgentPlan {
  const random = mulberry32(streamSeed(first.beatSeed, 2 * attempt));
  const { index, delegationId, profile } = first;
  return { index, delegationId, attempt, ...drawRun(random, profile, startMs), beatSeed: streamSeed(first.beatSeed, 2 * attempt + 1) };
}

type Run = Omit<AgentPlan, 'index' | 'delegationId' | 'attempt' | 'beatSeed'>;

function drawRun(random: Random, profile: AgentProfile, arrivalMs: number): Run {
  const fate = FATES[
    pickWeighted(
      random,
      FATES.map((f) => profile.mix[f]),
    )
  ] as Fate;
  const bootMs = drawMs(random, profile.bootSeconds);
  const workMs = Math.max(1, drawMs(random, profile.durationSeconds));
  // Drawn for every agent, whatever its fate, so changing a mix moves as few agents as possible.
  const crashFraction = random();
  const stallFraction = uniform(random, 0.1, 0.9);
  const stallMs = drawMs(random, profile.stallSeconds);
  return {
    profile,
    fate,
    arrivalMs,
    bootMs,
    workMs,
    crashAtMs: crashTime(fate, arrivalMs, bootMs, workMs, crashFraction),
    stallAfterMs: Math.round(stallFraction * workMs),
    stallMs: fate === 'stall' ? stallMs : 0,
  };
}

function crashTime(fate: Fate, arrivalMs: number, bootMs: number, workMs: number, fraction: number): number | null {
  if (fate === 'crashBeforeFirstBeat') return arrivalMs + Math.floor(fraction * bootMs);
  if (fate === 'crashMidRun') return arrivalMs + bootMs + Math.floor(fraction * workMs);
  return null;
}

export function drawMs(random: Random, range: SecondsRange): number {
  const seconds = range.scale === 'log' ? logUniform(random, range.min, range.max) : uniform(random, range.min, range.max);
  return Math.round(seconds * 1000);
}
