import type { Ledger } from '../../../src/app/ledger-api.js';
import type { StoredEvent } from '../../../src/domain/index.js';

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `writers` concurrent actors, each running `each` delegations through create, claim, start and
 * completion (or a cancel), with short random pauses so their commits interleave with a
 * consumer's reconnects. Returns the ids written.
 */
export async function runWriters(ledger: Ledger, writers: number, each: number, random: () => number): Promise<string[]> {
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let n = 0; n < each; n++) {
        const callerId = `caller-${1 + ((writer + n) % 2)}`;
        const calleeId = `agent-${1 + (n % 2)}`;
        const delegation = await ledger.create({ callerId, calleeId, task: `task ${writer}.${n}` });
        ids.push(delegation.delegationId);
        await pause(Math.floor(random() * 3));
        await ledger.heartbeat(delegation.delegationId);
        if (random() < 0.2) await ledger.cancel(delegation.delegationId, { reason: 'changed my mind' });
        else await ledger.setStatus(delegation.delegationId, 'completed', { resultPreview: `done ${writer}.${n}` });
      }
    }),
  );
  return ids;
}

/** Every event of these delegations, in position order: what a complete stream delivers. */
export async function allEvents(ledger: Ledger, ids: readonly string[]): Promise<StoredEvent[]> {
  const histories = await Promise.all(ids.map((id) => ledger.history(id)));
  return histories.flat().sort((a, b) => a.position - b.position);
}
