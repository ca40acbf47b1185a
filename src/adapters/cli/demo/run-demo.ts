import { setTimeout as sleep } from 'node:timers/promises';
import type { SweepResult } from '../../../app/ledger-api.js';
import { silentLogger } from '../../logging/pino-logger.js';
import { VirtualClock } from '../../memory/virtual-clock.js';
import { createDelegations, type Delegations } from '../../../delegations.js';
import type { Delegation, Status, StoredEvent } from '../../../domain/index.js';
import { DEMO_AGENTS, DEMO_SETTINGS, type AgentAction, type DemoAgent } from './agents.js';

export type StatusChange = { readonly id: string; readonly from: Status; readonly to: Status; readonly detail: string | null };

export type TimelineEntry =
  | { readonly t: number; readonly kind: 'agent'; readonly id: string; readonly text: string }
  | { readonly t: number; readonly kind: 'sweep'; readonly result: SweepResult; readonly changes: readonly StatusChange[] };

export type DemoReport = {
  readonly startedAt: Date;
  readonly timeline: readonly TimelineEntry[];
  readonly delegations: readonly { readonly delegation: Delegation; readonly history: readonly StoredEvent[] }[];
};

export const DEMO_START = new Date('2026-01-01T09:00:00.000Z');

/** Plays the five agents against PGlite in memory on a virtual clock; `paceMs` of real time per 10 s step. */
export async function runDemo(options: { paceMs: number; onEntry: (entry: TimelineEntry) => void }): Promise<DemoReport> {
  const clock = new VirtualClock(DEMO_START);
  const s = DEMO_SETTINGS;
  const d = await createDelegations({
    store: 'pglite',
    clock,
    logger: silentLogger,
    stuckThresholdMs: s.thresholdS * 1000,
    sweepIntervalMs: s.sweepEveryS * 1000,
    bootGraceMs: 0,
  });
  const timeline: TimelineEntry[] = [];
  const record = (entry: TimelineEntry) => {
    timeline.push(entry);
    options.onEntry(entry);
  };
  try {
    await dispatchAll(d);
    const stopped = new Set<string>();
    for (let t = 0; t <= s.endS; t += s.stepS) {
      clock.set(new Date(DEMO_START.getTime() + t * 1000));
      for (const agent of DEMO_AGENTS) {
        if (stopped.has(agent.id)) continue;
        const action = agent.act(t);
        if (action !== null) for (const text of await perform(d, agent, action, stopped)) record({ t, kind: 'agent', id: agent.id, text });
      }
      if (t % s.sweepEveryS === 0) record({ t, kind: 'sweep', ...(await sweep(d)) });
      if (options.paceMs > 0) await sleep(options.paceMs);
    }
    const delegations = await Promise.all(
      DEMO_AGENTS.map(async ({ id }) => ({ delegation: (await d.ledger.get(id)) as Delegation, history: await d.ledger.history(id) })),
    );
    return { startedAt: DEMO_START, timeline, delegations };
  } finally {
    await d.close();
  }
}

async function dispatchAll(d: Delegations): Promise<void> {
  const deadline = new Date(DEMO_START.getTime() + DEMO_SETTINGS.deadlineS * 1000);
  for (const agent of DEMO_AGENTS) {
    await d.ledger.create({ delegationId: agent.id, callerId: 'orchestrator', calleeId: agent.id, task: agent.story, deadline });
    await d.ledger.setStatus(agent.id, 'dispatched', { actor: 'orchestrator' });
  }
}

/** Does what the agent does and says what the ledger answered, when that is worth a line. */
async function perform(d: Delegations, agent: DemoAgent, action: AgentAction, stopped: Set<string>): Promise<string[]> {
  if (action.kind === 'say') return [action.say];
  const outcome =
    action.kind === 'beat'
      ? await d.ledger.heartbeat(agent.id, { progress: action.progress })
      : await d.ledger.setStatus(agent.id, 'completed', { resultPreview: action.result });
  const lines: string[] = [];
  if (outcome.outcome === 'applied') {
    const { event } = outcome;
    const type = event.type === event.toStatus ? '' : ` (${event.type})`;
    lines.push(`${action.say ?? 'heartbeat'}: ${event.fromStatus} -> ${event.toStatus}${type}`);
  } else if (action.say !== undefined) lines.push(action.say);
  if ('stop' in outcome && outcome.stop) {
    stopped.add(agent.id);
    lines.push(`heartbeat answered "stop" (${outcome.reason}): the delegation is ${outcome.status ?? 'unknown'}, so the agent gives up`);
  }
  return lines;
}

async function sweep(d: Delegations): Promise<{ result: SweepResult; changes: StatusChange[] }> {
  const before = await statuses(d);
  const result = await d.sweeper.sweep();
  const changes: StatusChange[] = [];
  for (const after of await Promise.all(DEMO_AGENTS.map(({ id }) => d.ledger.get(id)))) {
    if (after === null) continue;
    const from = before.get(after.delegationId);
    if (from !== undefined && from !== after.status) changes.push({ id: after.delegationId, from, to: after.status, detail: after.errorDetail });
  }
  return { result, changes };
}

async function statuses(d: Delegations): Promise<Map<string, Status>> {
  const rows = await Promise.all(DEMO_AGENTS.map(({ id }) => d.ledger.get(id)));
  return new Map(rows.flatMap((row) => (row === null ? [] : [[row.delegationId, row.status] as const])));
}
