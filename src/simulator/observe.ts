import { DEADLINE_EXCEEDED, type Status, type StoredEvent } from '../domain/index.js';
import type { AgentEnd } from './agent.js';
import type { FleetRun } from './fleet-run.js';
import type { Fate } from './profiles.js';

/** One agent: what really happened (ground truth) next to what the ledger recorded. */
export type AgentVerdict = {
  readonly delegationId: string;
  readonly profile: string;
  readonly fate: Fate;
  readonly end: AgentEnd | null;
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
  readonly deadlineFailedAtMs: number | null;
  readonly finalStatus: Status;
};

/** Reads every agent's history from the ledger and scores it against the ground truth. */
export async function observe(run: FleetRun): Promise<AgentVerdict[]> {
  const start = run.startedAt.getTime();
  const verdicts: AgentVerdict[] = [];
  for (const agent of run.agents) {
    const history = await run.ledger.history(agent.plan.delegationId);
    verdicts.push(score(agent.plan.delegationId, agent, history, start));
  }
  return verdicts;
}

function score(delegationId: string, agent: FleetRun['agents'][number], history: readonly StoredEvent[], start: number): AgentVerdict {
  const crashAtMs = agent.plan.crashAtMs !== null && agent.end === 'crashed' ? agent.plan.crashAtMs : null;
  let falseMarks = 0;
  let falseMarkOpen = false;
  let recoveredFromFalseMark = false;
  let markInForceMs: number | null = null;
  let deadlineFailedAtMs: number | null = null;
  for (const event of history) {
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
    } else if (event.type === 'failed' && event.actor === 'sweeper' && event.data.error === DEADLINE_EXCEEDED) {
      deadlineFailedAtMs = atMs;
    }
  }
  const last = history[history.length - 1];
  return {
    delegationId,
    profile: agent.plan.profile.name,
    fate: agent.plan.fate,
    end: agent.end,
    arrivalMs: agent.plan.arrivalMs,
    endMs: agent.endMs,
    crashAtMs,
    lastLifeMs: agent.lastLifeMs,
    falseMarks,
    recoveredFromFalseMark,
    detectedAtMs: crashAtMs !== null ? markInForceMs : null,
    deadlineFailedAtMs,
    finalStatus: last?.toStatus ?? 'queued',
  };
}
