import { setTimeout as sleep } from 'node:timers/promises';
import type { Ledger, SweepResult } from '../../../app/ledger-api.js';
import { silentLogger } from '../../logging/pino-logger.js';
import { VirtualClock } from '../../memory/virtual-clock.js';
import { createDelegations, type Delegations } from '../../../delegations.js';
import { isTerminal, type Delegation, type Status, type StoredEvent } from '../../../domain/index.js';
import { CALLER, DEMO_AGENTS, DEMO_SETTINGS, RUNNER_AGENT } from './agents.js';
import { performCaller, performScripted, type Say } from './perform.js';
import { RetryWorker } from './retry-worker.js';
import { trackCalls } from './settle.js';
import { startTranslator, type Translator } from './translator.js';

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
export const DEMO_IDS: readonly string[] = [...DEMO_AGENTS.map((a) => a.id), RUNNER_AGENT.id];

type Demo = { readonly d: Delegations; readonly ledger: Ledger; readonly clock: VirtualClock; readonly say: (t: number) => Say };

/**
 * Plays the agents against PGlite in memory on a virtual clock; `paceMs` of real time per 10 s
 * step. Each step moves the clock on (the runner's timers fire as it does) and waits until
 * every call it set off has answered, so the story is the same on every run.
 */
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
  const tracked = trackCalls(d.ledger, clock);
  const timeline: TimelineEntry[] = [];
  const record = (entry: TimelineEntry) => {
    timeline.push(entry);
    options.onEntry(entry);
  };
  const demo: Demo = { d, ledger: tracked.ledger, clock, say: (t) => (id, text) => record({ t, kind: 'agent', id, text }) };
  const giveUp = new AbortController();
  try {
    await dispatchAll(demo.ledger);
    // The caller awaits the delegation that will crash: it resolves once the retry completes.
    const awaited = d.ledger.waitFor(CALLER.awaits, { signal: giveUp.signal });
    awaited.catch(() => undefined);
    const translator = startTranslator(demo.ledger, clock);
    await tracked.settle();
    demo.say(0)(RUNNER_AGENT.id, `starts with its first heartbeat: dispatched -> ${(await d.ledger.get(RUNNER_AGENT.id))?.status}`);
    await play(demo, tracked.settle, translator, awaited, record, options.paceMs);
    return { startedAt: DEMO_START, timeline, delegations: await finalState(d) };
  } finally {
    giveUp.abort();
    await d.close();
  }
}

async function play(
  demo: Demo,
  settle: () => Promise<void>,
  translator: Translator,
  awaited: Promise<Delegation>,
  record: (entry: TimelineEntry) => void,
  paceMs: number,
): Promise<void> {
  const s = DEMO_SETTINGS;
  const stopped = new Set<string>();
  const worker = new RetryWorker();
  let cancelledAt: number | null = null;
  let awaitedSeen = false;
  for (let t = 0; t <= s.endS; t += s.stepS) {
    if (t > 0) await demo.clock.advanceAsync(s.stepS * 1000);
    await settle();
    const say = demo.say(t);
    if (translator.outcome !== null && !stopped.has(RUNNER_AGENT.id)) {
      stopped.add(RUNNER_AGENT.id);
      say(RUNNER_AGENT.id, translatorEnded(translator, t, cancelledAt));
    }
    for (const agent of DEMO_AGENTS) {
      const action = agent.act(t);
      if (!stopped.has(agent.id) && action !== null) await performScripted(demo.ledger, agent.id, action, stopped, say);
    }
    await worker.step(demo.ledger, t, say);
    const call = CALLER.act(t);
    if (call !== null) {
      await performCaller(demo.ledger, call, say);
      if (call.kind === 'cancel') cancelledAt = t;
    }
    if (!awaitedSeen && isTerminal((await demo.ledger.get(CALLER.awaits))?.status ?? 'queued')) {
      awaitedSeen = true;
      const done = await awaited;
      say(CALLER.id, `waitFor(${CALLER.awaits}) resolves: ${done.status} on attempt ${done.attempt} (${done.resultPreview ?? done.errorDetail ?? ''})`);
    }
    if (t % s.sweepEveryS === 0) record({ t, kind: 'sweep', ...(await sweep(demo.d)) });
    if (paceMs > 0) await sleep(paceMs);
  }
}

function translatorEnded(translator: Translator, t: number, cancelledAt: number | null): string {
  const outcome = translator.outcome;
  if (outcome === null) return 'still running';
  const why = outcome.status === 'stopped' ? `stopped (${outcome.reason})` : outcome.status;
  const after = cancelledAt === null ? '' : `, ${t - cancelledAt}s after the cancel (one beat every ${DEMO_SETTINGS.thresholdS / 3}s)`;
  return `its beat is answered "stop": the runner aborts the work's signal at chapter ${translator.chapters} of ${RUNNER_AGENT.chapters}${after}; runDelegation resolves ${why}`;
}

async function dispatchAll(ledger: Ledger): Promise<void> {
  const deadline = new Date(DEMO_START.getTime() + DEMO_SETTINGS.deadlineS * 1000);
  const agents = [...DEMO_AGENTS, RUNNER_AGENT].map((a) => ({ id: a.id, task: a.story, retry: 'retry' in a ? a.retry : undefined }));
  for (const { id, task, retry } of agents) {
    await ledger.create({ delegationId: id, callerId: CALLER.id, calleeId: id, task, deadline, retry });
    await ledger.setStatus(id, 'dispatched', { actor: CALLER.id });
  }
}

async function sweep(d: Delegations): Promise<{ result: SweepResult; changes: StatusChange[] }> {
  const before = await statuses(d);
  const result = await d.sweeper.sweep();
  const changes: StatusChange[] = [];
  for (const after of await Promise.all(DEMO_IDS.map((id) => d.ledger.get(id)))) {
    if (after === null) continue;
    const from = before.get(after.delegationId);
    if (from !== undefined && from !== after.status) changes.push({ id: after.delegationId, from, to: after.status, detail: changeDetail(after) });
  }
  return { result, changes };
}

/** A requeue says which attempt is next and from when a worker may claim it. */
function changeDetail(after: Delegation): string | null {
  if (after.status !== 'queued') return after.errorDetail;
  const from = after.availableAt === null ? 'now' : `t+${Math.round((after.availableAt.getTime() - DEMO_START.getTime()) / 1000)}s`;
  return `attempt ${after.attempt}, claimable from ${from}`;
}

async function statuses(d: Delegations): Promise<Map<string, Status>> {
  const rows = await Promise.all(DEMO_IDS.map((id) => d.ledger.get(id)));
  return new Map(rows.flatMap((row) => (row === null ? [] : [[row.delegationId, row.status] as const])));
}

async function finalState(d: Delegations) {
  return Promise.all(DEMO_IDS.map(async (id) => ({ delegation: (await d.ledger.get(id)) as Delegation, history: await d.ledger.history(id) })));
}
