/** Seconds, drawn uniformly (or evenly in log space) between min and max. */
export type SecondsRange = {
  readonly min: number;
  readonly max: number;
  readonly scale?: 'linear' | 'log' | undefined;
};

export const FATES = ['complete', 'crashBeforeFirstBeat', 'crashMidRun', 'wedge', 'stall'] as const;
/** What really happens to an agent: the ground truth the ledger's view is scored against. */
export type Fate = (typeof FATES)[number];

/** Probability of each fate; they sum to 1. */
export type FailureMix = Readonly<Record<Fate, number>>;

export type AgentProfile = {
  readonly name: string;
  /** Share of the fleet (relative to the other profiles' weights). */
  readonly weight: number;
  /** Silence between dispatch and the first heartbeat (process start, model load). */
  readonly bootSeconds: SecondsRange;
  /** Gap between two ordinary heartbeats. */
  readonly beatSeconds: SecondsRange;
  /** Occasionally a gap is a long silent call instead (an LLM or tool call that blocks the beat). */
  readonly longCall: { readonly probability: number; readonly seconds: SecondsRange };
  /** Working time from the first beat to completion, stalls excluded. */
  readonly durationSeconds: SecondsRange;
  /** A slow-but-alive agent goes silent once for this long, then carries on. */
  readonly stallSeconds: SecondsRange;
  /** Deadline given to the delegation at creation. */
  readonly deadlineSeconds: number;
  readonly mix: FailureMix;
};

const range = (min: number, max: number, scale?: 'log'): SecondsRange => ({ min, max, scale });

/**
 * The runtimes docs/domain.md names (Classification): streaming agents beat about every 10 s, coding
 * agents every 30-60 s but block on multi-minute model calls, batch chains beat
 * on a minute scale. Numbers are plausible defaults, not measurements: load a
 * profile file with your own fleet's figures.
 */
export const BUILT_IN_PROFILES: readonly AgentProfile[] = [
  {
    name: 'streaming',
    weight: 0.5,
    bootSeconds: range(1, 5),
    beatSeconds: range(8, 12),
    longCall: { probability: 0.005, seconds: range(20, 45) },
    durationSeconds: range(60, 900, 'log'),
    stallSeconds: range(45, 180),
    deadlineSeconds: 30 * 60,
    mix: { complete: 0.9, crashBeforeFirstBeat: 0.01, crashMidRun: 0.04, wedge: 0.01, stall: 0.04 },
  },
  {
    name: 'coding',
    weight: 0.35,
    bootSeconds: range(5, 20),
    beatSeconds: range(30, 60),
    longCall: { probability: 0.04, seconds: range(120, 360) },
    durationSeconds: range(300, 3600, 'log'),
    stallSeconds: range(300, 900),
    deadlineSeconds: 2 * 60 * 60,
    mix: { complete: 0.88, crashBeforeFirstBeat: 0.02, crashMidRun: 0.05, wedge: 0.02, stall: 0.03 },
  },
  {
    name: 'batch',
    weight: 0.15,
    bootSeconds: range(10, 60),
    beatSeconds: range(60, 240),
    longCall: { probability: 0.01, seconds: range(300, 540) },
    durationSeconds: range(1800, 4 * 60 * 60, 'log'),
    stallSeconds: range(600, 1500),
    deadlineSeconds: 6 * 60 * 60,
    mix: { complete: 0.9, crashBeforeFirstBeat: 0.01, crashMidRun: 0.04, wedge: 0.01, stall: 0.04 },
  },
];

/**
 * The longest silence a live agent of this profile can keep: a threshold above
 * it can never flag a live agent, one below it sometimes will.
 */
export function longestSilenceSeconds(profile: AgentProfile): number {
  const longCall = profile.longCall.probability > 0 ? profile.longCall.seconds.max : 0;
  const stall = profile.mix.stall > 0 ? profile.stallSeconds.max : 0;
  return Math.max(profile.bootSeconds.max, profile.beatSeconds.max, longCall, stall);
}
