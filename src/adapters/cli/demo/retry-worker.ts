import type { Ledger } from '../../../app/ledger-api.js';
import { RETRY_WORKER } from './agents.js';
import { performScripted, type Say } from './perform.js';

/**
 * A worker of crash-mid's callee: it asks for queued work every step (ledger.claim, which
 * refuses an attempt still in its backoff) and runs the attempt it claims as a fresh agent.
 */
export class RetryWorker {
  private claimed: { readonly at: number; readonly attempt: number } | null = null;
  private readonly stopped = new Set<string>();

  async step(ledger: Ledger, t: number, say: Say): Promise<void> {
    if (this.claimed === null) return this.claim(ledger, t, say);
    if (this.stopped.size > 0) return;
    const action = RETRY_WORKER.act(t - this.claimed.at);
    if (action !== null) await performScripted(ledger, RETRY_WORKER.calleeId, action, this.stopped, say, this.claimed.attempt);
    if (action?.kind === 'complete') this.stopped.add(RETRY_WORKER.calleeId);
  }

  private async claim(ledger: Ledger, t: number, say: Say): Promise<void> {
    const [delegation] = await ledger.claim({ calleeId: RETRY_WORKER.calleeId, actor: RETRY_WORKER.actor });
    if (delegation === undefined) return;
    this.claimed = { at: t, attempt: delegation.attempt };
    say(delegation.delegationId, `${RETRY_WORKER.actor}, a fresh worker, claims attempt ${delegation.attempt}: queued -> ${delegation.status}`);
  }
}
