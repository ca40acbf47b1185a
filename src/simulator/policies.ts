import { retryPolicy } from '../app/retry-policy.js';
import { InvalidInputError, type RetryPolicy } from '../domain/index.js';
import { formatDuration, formatSetting } from './units.js';

/** A retry policy as the simulator runs it: the policy (null: none) and the short name its rows carry. */
export type SimulatedPolicy = { readonly label: string; readonly retry: RetryPolicy | null };

export const NO_RETRY: SimulatedPolicy = { label: 'none', retry: null };

// More policies than this is a sweep over a parameter, which a loop over simulate() does better.
const MAX_POLICIES = 16;

/**
 * Each policy as given (any subset of RetryPolicy's fields, or null for none) completed and checked
 * as the ledger does at create, errors naming `retryPolicies[i].field`; duplicates dropped, the
 * order kept (the first is the baseline the recommendation compares with).
 */
export function resolvePolicies(given: readonly (Partial<RetryPolicy> | null)[]): SimulatedPolicy[] {
  if (!Array.isArray(given) || given.length === 0) throw new InvalidInputError('retryPolicies', 'must list at least one policy (null: no retry)');
  if (given.length > MAX_POLICIES) throw new InvalidInputError('retryPolicies', `must list at most ${MAX_POLICIES} policies`);
  const seen = new Set<string>();
  const policies: SimulatedPolicy[] = [];
  given.forEach((raw, i) => {
    const retry = retryPolicy(`retryPolicies[${i}]`, raw);
    const key = JSON.stringify(retry);
    if (seen.has(key)) return;
    seen.add(key);
    policies.push({ label: uniqueLabel(policyLabel(retry), policies), retry });
  });
  return policies;
}

/** "none", "3x/1m" (3 attempts, stuck requeued after 1 minute), "5x/0s", "3x/failures" (failures only). */
export function policyLabel(retry: RetryPolicy | null): string {
  if (retry === null) return 'none';
  const after = retry.requeueStuckAfterMs;
  const stuck = after === null ? 'failures' : after === 0 ? '0s' : formatSetting(Math.max(1, Math.round(after / 1000)));
  return `${retry.maxAttempts}x/${stuck}`;
}

/** The whole policy in words, for the report's header. */
export function describePolicy(policy: SimulatedPolicy): string {
  const { retry } = policy;
  if (retry === null) return `${policy.label}: no automatic retry`;
  const stuck =
    retry.requeueStuckAfterMs === null ? 'stuck ones wait for an operator' : `stuck requeued after ${formatDuration(retry.requeueStuckAfterMs / 1000)}`;
  const backoff = `backoff ${formatDuration(retry.initialDelayMs / 1000)} x${retry.backoffFactor} up to ${formatDuration(retry.maxDelayMs / 1000)}`;
  return `${policy.label}: ${retry.maxAttempts} attempts, ${stuck}, ${backoff}, jitter ${Math.round(retry.jitter * 100)}%`;
}

/** Two policies that differ only past what the label shows get numbered apart. */
function uniqueLabel(label: string, taken: readonly SimulatedPolicy[]): string {
  let candidate = label;
  for (let n = 2; taken.some((p) => p.label === candidate); n += 1) candidate = `${label}#${n}`;
  return candidate;
}
