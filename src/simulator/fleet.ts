import { logUniform, mulberry32, pickWeighted, streamSeed, uniform, type Random } from './prng.js';
import { FATES, type AgentProfile, type Fate, type SecondsRange } from './profiles.js';

/** One agent's fixed traits, drawn before the run so every sweeper setting sees the same fleet. */
export type AgentPlan = {
  readonly index: number;
  readonly delegationId: string;
  readonly profile: AgentProfile;
  readonly fate: Fate;
  /** Virtual ms after the start of the run when the delegation is created and dispatched. */
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
    index,
    delegationId: `agent-${String(index).padStart(width, '0')}`,
    profile,
    fate,
    arrivalMs,
    bootMs,
    workMs,
    crashAtMs: crashTime(fate, arrivalMs, bootMs, workMs, crashFraction),
    stallAfterMs: Math.round(stallFraction * workMs),
    stallMs: fate === 'stall' ? stallMs : 0,
    beatSeed: streamSeed(spec.seed, 2 * index + 1),
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
