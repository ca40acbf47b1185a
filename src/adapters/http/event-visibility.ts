import type { Ledger } from '../../app/ledger-api.js';
import type { StoredEvent } from '../../domain/index.js';
import { mayRead, type Parties, type Principal } from './identity.js';

// Parties never change after create, so they are cached; bounded, since a busy ledger has millions of delegations.
const CACHE_LIMIT = 10_000;

/**
 * Who each delegation belongs to, as the event stream needs it to show a caller only its own
 * delegations' events and an agent only those addressed to it. Shared by every stream of a server.
 */
export class PartiesCache {
  private readonly parties = new Map<string, Parties>();

  constructor(private readonly limit: number = CACHE_LIMIT) {}

  /** The parties of the event's delegation: from its `created` event, the cache, or the ledger; null when it is gone. */
  async of(event: StoredEvent, ledger: Ledger): Promise<Parties | null> {
    if (event.type === 'created') return this.remember(event.delegationId, { callerId: event.data.callerId, calleeId: event.data.calleeId });
    const known = this.parties.get(event.delegationId);
    if (known !== undefined) {
      // Refreshed: the delegations a stream keeps meeting stay in the cache.
      this.parties.delete(event.delegationId);
      this.parties.set(event.delegationId, known);
      return known;
    }
    const delegation = await ledger.get(event.delegationId);
    return delegation === null ? null : this.remember(event.delegationId, { callerId: delegation.callerId, calleeId: delegation.calleeId });
  }

  private remember(delegationId: string, parties: Parties): Parties {
    this.parties.delete(delegationId);
    this.parties.set(delegationId, parties);
    if (this.parties.size > this.limit) this.parties.delete(this.parties.keys().next().value as string);
    return parties;
  }
}

/** Whether the principal may see the event: admin all, a caller its own delegations', an agent those addressed to it. */
export async function visible(principal: Principal, event: StoredEvent, parties: PartiesCache, ledger: Ledger): Promise<boolean> {
  if (principal.role === 'admin') return true;
  const found = await parties.of(event, ledger);
  return found !== null && mayRead(principal, found);
}
