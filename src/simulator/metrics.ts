import type { RetryPolicy } from '../domain/index.js';
import type { FleetRun, LedgerTally } from './fleet-run.js';
import type { AgentVerdict, DelegationVerdict, Observation } from './observe.js';
import { NO_RETRY } from './policies.js';

/** Seconds; nearest-rank percentiles over the agents that were detected. */
export type LatencySummary = { readonly count: number; readonly p50: number; readonly p95: number; readonly max: number };

export type SettingResult = {
  readonly thresholdSeconds: number;
  readonly intervalSeconds: number;
  /** The retry policy's label ("none", "3x/1m") and the policy every delegation was created with. */
  readonly policy: string;
  readonly retry: RetryPolicy | null;
  readonly bootGraceSeconds: number;
  readonly delegations: number;
  /** Agents that ran: one per delegation, plus one per claimed retry. */
  readonly agents: number;
  readonly agentHours: number;
  /** Delegations completed, on any attempt. */
  readonly completed: number;
  /** `completed` over all delegations. */
  readonly completedShare: number;
  /** From creation to `completed`, over the delegations that completed. */
  readonly timeToCompleteSeconds: LatencySummary | null;
  readonly attempts: {
    /** Attempts the ledger opened per delegation, on average, and at most. */
    readonly mean: number;
    readonly max: number;
    /** Delegations with more than one attempt. */
    readonly retried: number;
  };
  /** Two agents of one delegation alive at once: an attempt still running after its delegation was requeued. */
  readonly duplicateWork: {
    readonly delegations: number;
    /** `delegations` over all delegations. */
    readonly rate: number;
    /** The agent-time spent beyond one agent per delegation. */
    readonly agentHours: number;
  };
  /** Failed by the sweeper with their retry policy's attempts spent. */
  readonly gaveUp: number;
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
  readonly ledgerEvents: Readonly<Record<'created' | 'dispatched' | 'started' | 'marked_stuck' | 'recovered' | 'requeued' | 'completed' | 'failed', number>>;
};

/**
 * The sweeper's figures score every agent (a retry's too) against its own attempt; the retry
 * figures count delegations. Under no retry policy each delegation has one agent.
 */
export function settingResult(run: FleetRun, observation: Observation): SettingResult {
  const { agents: verdicts, delegations } = observation;
  const crashed = verdicts.filter((v) => v.crashAtMs !== null);
  const detected = crashed.filter((v) => v.detectedAtMs !== null);
  const falsePositives = verdicts.filter((v) => v.falseMarks > 0);
  const deadline = delegations.filter((d) => d.deadlineFailedAtMs !== null);
  const wedges = verdicts.filter((v) => v.fate === 'wedge');
  const policy = run.setting.policy ?? NO_RETRY;
  return {
    thresholdSeconds: run.setting.thresholdMs / 1000,
    intervalSeconds: run.setting.intervalMs / 1000,
    policy: policy.label,
    retry: policy.retry,
    bootGraceSeconds: run.bootGraceMs / 1000,
    delegations: delegations.length,
    agents: verdicts.length,
    agentHours: round(verdicts.reduce((sum, v) => sum + ((v.endMs ?? run.endMs) - v.arrivalMs), 0) / 3_600_000, 3),
    ...retryFigures(delegations),
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
    // By its last agent: wedged, crashed (its attempt maybe requeued but never claimed in time) or alive.
    deadlineFailures: {
      total: deadline.length,
      wedged: count(deadline, (d) => lastAgent(d).fate === 'wedge'),
      crashed: count(deadline, (d) => lastAgent(d).crashAtMs !== null),
      alive: count(deadline, (d) => lastAgent(d).fate !== 'wedge' && lastAgent(d).crashAtMs === null),
    },
    wedges: {
      total: wedges.length,
      // A wedge beats, so a stuck mark on it is a false one that recovers: only the deadline ends it
      // (or, under a retry policy, a requeue while a long call kept it silent).
      caughtOnlyByDeadline: count(wedges, (v) => v.deadlineFailedAtMs !== null),
    },
    sweeps: run.tally.sweeps,
    endSeconds: run.endMs / 1000,
    ledgerEvents: ledgerEvents(run.tally),
  };
}

type RetryFigures = Pick<SettingResult, 'completed' | 'completedShare' | 'timeToCompleteSeconds' | 'attempts' | 'duplicateWork' | 'gaveUp'>;

function retryFigures(delegations: readonly DelegationVerdict[]): RetryFigures {
  const completed = delegations.filter((d) => d.completedAtMs !== null);
  const duplicated = delegations.filter((d) => d.duplicateMs > 0);
  const share = (n: number) => (delegations.length === 0 ? 0 : round(n / delegations.length, 6));
  return {
    completed: completed.length,
    completedShare: share(completed.length),
    timeToCompleteSeconds: summarize(completed.map((d) => (d.completedAtMs as number) - d.arrivalMs)),
    attempts: {
      mean: delegations.length === 0 ? 0 : round(delegations.reduce((sum, d) => sum + d.attempts, 0) / delegations.length, 4),
      max: delegations.reduce((most, d) => Math.max(most, d.attempts), 0),
      retried: count(delegations, (d) => d.attempts > 1),
    },
    duplicateWork: {
      delegations: duplicated.length,
      rate: share(duplicated.length),
      agentHours: round(duplicated.reduce((sum, d) => sum + d.duplicateMs, 0) / 3_600_000, 3),
    },
    gaveUp: count(delegations, (d) => d.gaveUp),
  };
}

function lastAgent(delegation: DelegationVerdict): AgentVerdict {
  return delegation.agents[delegation.agents.length - 1] as AgentVerdict;
}

function ledgerEvents(tally: LedgerTally): SettingResult['ledgerEvents'] {
  return {
    created: tally.created,
    dispatched: tally.dispatched,
    started: tally.started,
    marked_stuck: tally.markedStuck,
    recovered: tally.recovered,
    requeued: tally.requeued,
    completed: tally.completed,
    failed: tally.deadlineFailures + tally.retriesExhausted,
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
