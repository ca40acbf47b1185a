import type { WaitForOptions } from '../../app/ledger-api.js';
import { durationMs, MAX_DURATION_MS, optionsObject } from '../../app/validation.js';
import { type Delegation, DelegationNotFoundError, InvalidInputError, isStatus, WaitTimeoutError } from '../../domain/index.js';
import { type Request, read, send, type TransportSettings } from './transport.js';
import { waitAnswer } from './wire.js';

/** The longest single long-poll the service holds (its cap); a longer wait polls again. */
export const MAX_POLL_MS = 60_000;
/** A poll's request may take this much longer than the service holds it: the answer's own way back. */
const POLL_MARGIN_MS = 10_000;

/**
 * The ledger's waitFor over the long-poll route: each poll is held by the service up to
 * MAX_POLL_MS, polls follow each other until the delegation is terminal (or in `until`) or
 * the caller's timeoutMs is spent. Time is counted on this side's clock.
 */
export async function waitFor(settings: TransportSettings, pathId: string, options: WaitForOptions): Promise<Delegation> {
  const given = optionsObject('options', options);
  const timeoutMs = durationMs('timeoutMs', given.timeoutMs, 0, MAX_DURATION_MS);
  const until = untilOf(given.until);
  const started = performance.now();
  const request = (pollMs: number): Request => ({
    method: 'GET',
    path: `/v1/delegations/${pathId}/wait`,
    query: { timeoutMs: String(pollMs), until },
    replaySafe: true,
    expect: [404],
  });
  for (;;) {
    const remaining = timeoutMs === undefined ? MAX_POLL_MS : timeoutMs - (performance.now() - started);
    // The service holds a poll 1 ms at least: a spent budget still asks once, for the state as it is.
    const pollMs = Math.max(1, Math.min(MAX_POLL_MS, Math.ceil(remaining)));
    const poll = request(pollMs);
    const answer = await send(settings, poll, { signal: given.signal, timeoutMs: pollMs + POLL_MARGIN_MS });
    if (answer.status === 404) throw new DelegationNotFoundError(decodeURIComponent(pathId));
    const { delegation, timedOut } = read(waitAnswer, poll, answer);
    if (!timedOut) return delegation;
    if (timeoutMs !== undefined && performance.now() - started >= timeoutMs) throw new WaitTimeoutError(delegation.delegationId, timeoutMs);
  }
}

function untilOf(until: unknown): string | undefined {
  if (until === undefined) return undefined;
  if (!Array.isArray(until) || !until.every(isStatus)) throw new InvalidInputError('until', 'must be an array of statuses');
  return until.length === 0 ? undefined : until.join(',');
}
