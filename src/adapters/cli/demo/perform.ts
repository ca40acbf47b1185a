import type { HeartbeatOutcome, Ledger, TransitionOutcome } from '../../../app/ledger-api.js';
import type { AgentAction, CallerAction } from './agents.js';

/** Puts a line on the timeline under `id` (an agent, or the orchestrator). */
export type Say = (id: string, text: string) => void;

/**
 * Does what a scripted agent does (on `attempt`, when it names one) and says what the ledger
 * answered, when that is worth a line. An agent told to stop joins `stopped`.
 */
export async function performScripted(ledger: Ledger, id: string, action: AgentAction, stopped: Set<string>, say: Say, attempt?: number): Promise<void> {
  const lines = await perform(ledger, id, action, attempt);
  for (const line of lines.text) say(id, line);
  if (lines.stop) stopped.add(id);
}

async function perform(ledger: Ledger, id: string, action: AgentAction, attempt: number | undefined): Promise<{ text: string[]; stop: boolean }> {
  switch (action.kind) {
    case 'say':
      return { text: [action.say], stop: false };
    case 'beat':
      return answered(await ledger.heartbeat(id, { progress: action.progress, attempt }), action.say);
    case 'complete':
      return answered(await ledger.setStatus(id, 'completed', { resultPreview: action.result, attempt }), action.say);
    case 'ask': {
      const asked = await ledger.requestInput(id, { question: action.question, attempt });
      return answered(asked, `${action.say} "${action.question}"`);
    }
    case 'answered': {
      const resumed = (await ledger.history(id)).filter((e) => e.type === 'resumed').at(-1);
      const answer = resumed?.type === 'resumed' ? resumed.data.answer : null;
      const beat = await ledger.heartbeat(id, { progress: action.progress, attempt });
      return answered(beat, `${action.say} (answer "${answer ?? ''}")`, true);
    }
  }
}

/** A transition as a line; a plain beat says nothing unless the agent had something to say. */
function answered(outcome: HeartbeatOutcome | TransitionOutcome, say: string | undefined, always = false): { text: string[]; stop: boolean } {
  const text: string[] = [];
  if (outcome.outcome === 'applied') {
    const { event } = outcome;
    const type = event.type === event.toStatus ? '' : ` (${event.type})`;
    text.push(`${say ?? 'heartbeat'}: ${event.fromStatus} -> ${event.toStatus}${type}`);
  } else if (say !== undefined && (always || outcome.outcome !== 'refused')) text.push(say);
  const stop = 'stop' in outcome && outcome.stop;
  if (stop) text.push(`heartbeat answered "stop" (${outcome.reason}): the delegation is ${outcome.status ?? 'unknown'}, so the agent gives up`);
  return { text, stop };
}

/** What the orchestrator does to one of its delegations, and what the ledger answered. */
export async function performCaller(ledger: Ledger, action: CallerAction, say: Say): Promise<void> {
  const outcome =
    action.kind === 'cancel'
      ? await ledger.cancel(action.id, { reason: action.reason, actor: 'orchestrator' })
      : await ledger.resume(action.id, { answer: action.answer, actor: 'orchestrator' });
  const event = outcome.outcome === 'applied' ? outcome.event : null;
  const type = event === null || event.type === event.toStatus ? '' : ` (${event.type})`;
  const moved = event === null ? ` (${outcome.outcome})` : `: ${event.fromStatus} -> ${event.toStatus}${type}`;
  say('orchestrator', `${action.say}${moved}`);
}
