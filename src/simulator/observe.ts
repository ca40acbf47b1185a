import { DEADLINE_EXCEEDED, type Status, type StoredEvent } from '../domain/index.js';
import type { AgentEnd, AgentState } from './agent.js';
import type { FleetRun } from './fleet-run.js';
import type { Fate } from './profiles.js';

/** One agent (one attempt of a delegation): what really happened (ground truth) next to what the ledger recorded. */
export type AgentVerdict = {
  readonly delegationId: string;
  readonly attempt: number;
  readonly profile: string;
  readonly fate: Fate;
  readonly end: AgentEnd | null;
  /** When the agent was handed the delegation (created and dispatched, or claimed). */
  readonly arrivalMs: number;
  readonly endMs: number | null;
  readonly crashAtMs: number | null;
  readonly lastLifeMs: number;
  /** Times the sweeper marked it stuck while the agent was in fact alive. */
  readonly falseMarks: number;
  /** The last false mark was cleared: the agent beat again (recovered) or completed. */
  readonly recoveredFromFalseMark: boolean;
  /**
   * For a crashed agent, since when the ledger has shown it stuck: after the
   * crash, or before it when a silent call was flagged and the agent died in it.
   * Null if only the deadline ended it.
   */
  readonly detectedAtMs: number | null;
  /** The sweeper failed the delegation at its deadline while this agent's attempt was current. */
  readonly deadlineFailedAtMs: number | null;
  /** The delegation's final status (shared by all its agents). */
  readonly finalStatus: Status;
};

/** One delegation, over all its attempts. */
export type DelegationVerdict = {
  readonly delegationId: string;
  readonly profile: string;
  /** The first agent's fate: the fleet's plan. */
  readonly fate: Fate;
  /** When it was created. */
  readonly arrivalMs: number;
  readonly finalStatus: Status;
  readonly completedAtMs: number | null;
  readonly deadlineFailedAtMs: number | null;
  /** Failed by the sweeper with its retry policy's attempts spent. */
  readonly gaveUp: boolean;
  /** Attempts the ledger opened (a requeued attempt no agent claimed before the deadline counts). */
  readonly attempts: number;
  /** Its agents, in attempt order. */
  readonly agents: readonly AgentVerdict[];
  /** Agent-time beyond one agent while two or more of its agents were alive at once: duplicate work. */
  readonly duplicateMs: number;
};

export type Observation = { readonly agents: AgentVerdict[]; readonly delegations: DelegationVerdict[] };

/** Reads every delegation's history from the ledger and scores each of its agents against the ground truth. */
export async function observe(run: FleetRun): Promise<Observation> {
  const start = run.startedAt.getTime();
  const byDelegation = new Map<string, AgentState[]>();
  for (const agent of run.agents) {
    const ran = byDelegation.get(agent.plan.delegationId) ?? [];
    ran.push(agent);
    byDelegation.set(agent.plan.delegationId, ran);
  }
  const delegations: DelegationVerdict[] = [];
  const byAgent = new Map<AgentState, AgentVerdict>();
  for (const plan of run.plans) {
    const history = await run.ledger.history(plan.delegationId);
    const ran = (byDelegation.get(plan.delegationId) ?? []).sort((a, b) => a.plan.attempt - b.plan.attempt);
    const verdicts = ran.map((agent) => {
      const verdict = score(agent, history, start);
      byAgent.set(agent, verdict);
      return verdict;
    });
    delegations.push(judge(verdicts, history, start, run.endMs));
  }
  // In the run's order: the fleet's own agents first, as before retries existed, then the retries as claimed.
  return { agents: run.agents.map((agent) => byAgent.get(agent) as AgentVerdict), delegations };
}

/** An agent's verdict from the events of its own attempt. */
function score(agent: AgentState, history: readonly StoredEvent[], start: number): AgentVerdict {
  const { plan } = agent;
  const crashAtMs = plan.crashAtMs !== null && agent.end === 'crashed' ? plan.crashAtMs : null;
  let falseMarks = 0;
  let falseMarkOpen = false;
  let recoveredFromFalseMark = false;
  let markInForceMs: number | null = null;
  let deadlineFailedAtMs: number | null = null;
  // A `requeued` event opens the next attempt and carries its number: it is not this agent's.
  for (const event of history) {
    if (event.attempt !== plan.attempt || event.type === 'requeued') continue;
    const atMs = event.occurredAt.getTime() - start;
    if (event.type === 'marked_stuck') {
      markInForceMs = atMs;
      // A mark at the very instant of the crash is a true one: the agent was already gone.
      if (crashAtMs === null || atMs < crashAtMs) {
        falseMarks += 1;
        falseMarkOpen = true;
        recoveredFromFalseMark = false;
      }
    } else if (event.type === 'recovered' || (event.type === 'completed' && event.fromStatus === 'stuck')) {
      markInForceMs = null;
      if (falseMarkOpen) recoveredFromFalseMark = true;
      falseMarkOpen = false;
    } else if (isDeadlineFailure(event)) {
      deadlineFailedAtMs = atMs;
    }
  }
  return {
    delegationId: plan.delegationId,
    attempt: plan.attempt,
    profile: plan.profile.name,
    fate: plan.fate,
    end: agent.end,
    arrivalMs: plan.arrivalMs,
    endMs: agent.endMs,
    crashAtMs,
    lastLifeMs: agent.lastLifeMs,
    falseMarks,
    recoveredFromFalseMark,
    detectedAtMs: crashAtMs !== null ? markInForceMs : null,
    deadlineFailedAtMs,
    finalStatus: history[history.length - 1]?.toStatus ?? 'queued',
  };
}

function judge(agents: readonly AgentVerdict[], history: readonly StoredEvent[], start: number, runEndMs: number): DelegationVerdict {
  const first = agents[0] as AgentVerdict;
  const last = history[history.length - 1];
  const at = (event: StoredEvent | undefined) => (event === undefined ? null : event.occurredAt.getTime() - start);
  const failed = history.find((e) => e.type === 'failed');
  return {
    delegationId: first.delegationId,
    profile: first.profile,
    fate: first.fate,
    arrivalMs: at(history[0]) ?? first.arrivalMs,
    finalStatus: last?.toStatus ?? 'queued',
    completedAtMs: at(history.find((e) => e.type === 'completed')),
    deadlineFailedAtMs: failed !== undefined && isDeadlineFailure(failed) ? at(failed) : null,
    gaveUp: failed !== undefined && failed.actor === 'sweeper' && !isDeadlineFailure(failed),
    attempts: last?.attempt ?? 1,
    agents,
    duplicateMs: overlapMs(agents.map((a) => [a.arrivalMs, a.endMs ?? runEndMs] as const)),
  };
}

function isDeadlineFailure(event: StoredEvent): boolean {
  return event.type === 'failed' && event.actor === 'sweeper' && event.data.error === DEADLINE_EXCEEDED;
}

/** Sum over time of (agents alive - 1) while more than one is: the work done twice. */
export function overlapMs(intervals: readonly (readonly [number, number])[]): number {
  const edges = intervals.flatMap(([from, to]) => [[from, 1] as const, [to, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let alive = 0;
  let previous = 0;
  let total = 0;
  for (const [atMs, change] of edges) {
    if (alive > 1) total += (alive - 1) * (atMs - previous);
    alive += change;
    previous = atMs;
  }
  return total;
}
