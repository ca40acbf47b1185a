import type { Ledger } from '../../app/ledger-api.js';
import type { Logger } from '../../app/ports.js';
import type { Subscriptions } from '../../app/subscriptions-api.js';
import { type Delegation, isTerminal, type StoredEvent } from '../../domain/index.js';
import { startTail } from './live-tail.js';

/** Where following one delegation starts: its state now, the position that state reflects, and what the tail must read from. */
export type FollowStart = {
  readonly delegation: Delegation;
  /** Its events as read after the state (some may be newer than it: see `later`). */
  readonly history: readonly StoredEvent[];
  /** The position of the last event the state reflects (0 for none): the state's SSE id. */
  readonly statePosition: number;
  /** Events read with the history that are newer than the state (committed between the two reads). */
  readonly later: readonly StoredEvent[];
  /** The first position the tail reads: every later event of this delegation is at or past it. */
  readonly tailFrom: number;
};

/** What the stream is told, in order: the state first, then each event; false from either ends the follow. */
export type FollowSink = {
  state(delegation: Delegation, position: number): Promise<boolean>;
  event(event: StoredEvent): Promise<boolean>;
};

/**
 * The state, then the history read after it. One delegation's events take their positions in
 * version order (each is decided on the committed one before it), so a tail after the last
 * event of the history misses none of the ones to come.
 */
export async function readFollowStart(ledger: Ledger, delegationId: string): Promise<FollowStart | null> {
  const delegation = await ledger.get(delegationId);
  if (delegation === null) return null;
  const history = await ledger.history(delegationId);
  const last = history.at(-1)?.position ?? 0;
  const statePosition = history.find((event) => event.version === delegation.version)?.position ?? last;
  return { delegation, history, statePosition, later: history.filter((event) => event.version > delegation.version), tailFrom: last + 1 };
}

export type FollowServices = { readonly subscriptions: Subscriptions; readonly logger: Logger; readonly signal: AbortSignal };

/** Sends the state, then the delegation's events as they commit; returns once one is terminal, the sink refuses, or the signal aborts. */
export async function follow(start: FollowStart, sink: FollowSink, services: FollowServices): Promise<void> {
  const { delegation } = start;
  if (!(await sink.state(delegation, start.statePosition))) return;
  if (isTerminal(delegation.status) && start.later.length === 0) return;
  let version = delegation.version;
  for (const event of start.later) {
    if (!(await sink.event(event))) return;
    version = event.version;
    if (isTerminal(event.toStatus)) return;
  }
  const tail = startTail({
    subscriptions: services.subscriptions,
    from: start.tailFrom,
    logger: services.logger,
    signal: services.signal,
    deliver: async (event) => {
      if (event.delegationId !== delegation.delegationId || event.version <= version) return true;
      version = event.version;
      return (await sink.event(event)) && !isTerminal(event.toStatus);
    },
  });
  await tail.done;
}
