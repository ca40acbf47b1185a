import type { FleetRun, LedgerTally } from './fleet-run.js';
import type { AgentVerdict } from './observe.js';

/** Seconds; nearest-rank percentiles over the agents that were detected. */
export type LatencySummary = { readonly count: number; readonly p50: number; readonly p95: number; readonly max: number };

export type SettingResult = {
  readonly thresholdSeconds: number;
  readonly intervalSeconds: number;
  readonly bootGraceSeconds: number;
  readonly agents: number;
  readonly agentHours: number;
  readonly completed: number;
  readonly crashed: {
    readonly total: number;
    readonly beforeFirstBeat: number;
    readonly midRun: number;
    /** Marked stuck by the sweeper's heartbeat rule. */
    readonly detected: number;
    /** Never marked stuck: only their deadline ended them. */
    readonly caughtOnlyByDeadline: number;
  };
  /** From the crash to the ledger showing `stuck`: how long a caller waited on a dead agent. */
  readonly detectionLatencySeconds: LatencySummary | null;
  /** From the agent's last sign of life (dispatch or heartbeat) to `stuck`: bounded by threshold + interval. */
  readonly silenceBeforeDetectionSeconds: LatencySummary | null;
  readonly falsePositives: {
    /** Live agents marked stuck at least once. */
    readonly agents: number;
    /** `agents` over all agents of the fleet. */
    readonly rate: number;
    readonly marks: number;
    /** Of those agents, how many came back (a heartbeat recovered them, or they completed). */
    readonly recovered: number;
  };
  readonly deadlineFailures: { readonly total: number; readonly wedged: number; readonly crashed: number; readonly alive: number };
  readonly wedges: { readonly total: number; readonly caughtOnlyByDeadline: number };
  readonly sweeps: number;
  /** Virtual seconds until every delegation was terminal. */
  readonly endSeconds: number;
  /** Ledger events the run produced, counted from the services' answers (they match ledger.history). */
  readonly ledgerEvents: Readonly<Record<'created' | 'dispatched' | 'started' | 'marked_stuck' | 'recovered' | 'completed' | 'failed', number>>;
};

export function settingResult(run: FleetRun, verdicts: readonly AgentVerdict[]): SettingResult {
  const crashed = verdicts.filter((v) => v.crashAtMs !== null);
  const detected = crashed.filter((v) => v.detectedAtMs !== null);
  const falsePositives = verdicts.filter((v) => v.falseMarks > 0);
  const deadline = verdicts.filter((v) => v.deadlineFailedAtMs !== null);
  const wedges = verdicts.filter((v) => v.fate === 'wedge');
  return {
    thresholdSeconds: run.setting.thresholdMs / 1000,
    intervalSeconds: run.setting.intervalMs / 1000,
    bootGraceSeconds: run.bootGraceMs / 1000,
    agents: verdicts.length,
    agentHours: round(verdicts.reduce((sum, v) => sum + ((v.endMs ?? run.endMs) - v.arrivalMs), 0) / 3_600_000, 3),
    completed: count(verdicts, (v) => v.finalStatus === 'completed'),
    crashed: {
      total: crashed.length,
      beforeFirstBeat: count(crashed, (v) => v.fate === 'crashBeforeFirstBeat'),
      midRun: count(crashed, (v) => v.fate === 'crashMidRun'),
      detected: detected.length,
      caughtOnlyByDeadline: count(crashed, (v) => v.detectedAtMs === null && v.deadlineFailedAtMs !== null),
    },
    // Already stuck when it died (flagged during a silent call): the caller waited no time at all.
    detectionLatencySeconds: summarize(detected.map((v) => Math.max(0, (v.detectedAtMs as number) - (v.crashAtMs as number)))),
    silenceBeforeDetectionSeconds: summarize(detected.map((v) => (v.detectedAtMs as number) - v.lastLifeMs)),
    falsePositives: {
      agents: falsePositives.length,
      rate: verdicts.length === 0 ? 0 : round(falsePositives.length / verdicts.length, 6),
      marks: falsePositives.reduce((sum, v) => sum + v.falseMarks, 0),
      recovered: count(falsePositives, (v) => v.recoveredFromFalseMark),
    },
    deadlineFailures: {
      total: deadline.length,
      wedged: count(deadline, (v) => v.fate === 'wedge'),
      crashed: count(deadline, (v) => v.crashAtMs !== null),
      alive: count(deadline, (v) => v.fate !== 'wedge' && v.crashAtMs === null),
    },
    wedges: {
      total: wedges.length,
      // A wedge beats, so a stuck mark on it is a false one that recovers: only the deadline ends it.
      caughtOnlyByDeadline: count(wedges, (v) => v.deadlineFailedAtMs !== null),
    },
    sweeps: run.tally.sweeps,
    endSeconds: run.endMs / 1000,
    ledgerEvents: ledgerEvents(run.tally),
  };
}

function ledgerEvents(tally: LedgerTally): SettingResult['ledgerEvents'] {
  return {
    created: tally.created,
    dispatched: tally.dispatched,
    started: tally.started,
    marked_stuck: tally.markedStuck,
    recovered: tally.recovered,
    completed: tally.completed,
    failed: tally.deadlineFailures,
  };
}

export function summarize(valuesMs: readonly number[]): LatencySummary | null {
  if (valuesMs.length === 0) return null;
  const sorted = [...valuesMs].sort((a, b) => a - b);
  const rank = (p: number) => (sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number) / 1000;
  return { count: sorted.length, p50: rank(0.5), p95: rank(0.95), max: (sorted[sorted.length - 1] as number) / 1000 };
}

function count<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  return items.reduce((n, item) => n + (predicate(item) ? 1 : 0), 0);
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
