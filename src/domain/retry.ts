/**
 * When and how a delegation is run again without an operator. Opt-in: retrying by
 * default would break work that must run at most once (docs/domain.md, "Retry policy").
 */
export type RetryPolicy = {
  /** Attempts in all, the first included: 3 means two retries at most. */
  readonly maxAttempts: number;
  /** Wait before the second attempt. */
  readonly initialDelayMs: number;
  /** Each further wait is the previous one times this (1: a constant wait). */
  readonly backoffFactor: number;
  /** No wait is longer than this. */
  readonly maxDelayMs: number;
  /** Share of each wait, 0 to 1, taken off at random so retries of many delegations spread out. */
  readonly jitter: number;
  /**
   * How long a stuck delegation is left to its agent (which may still recover) before the
   * sweeper requeues it; null: stuck delegations wait for an operator, only failures retry.
   */
  readonly requeueStuckAfterMs: number | null;
};

/** What a policy given with only some fields is completed with. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  initialDelayMs: 1_000,
  backoffFactor: 2,
  maxDelayMs: 5 * 60_000,
  jitter: 0.2,
  requeueStuckAfterMs: 60_000,
};

/** Why a delegation went back to queued. */
export const REQUEUE_REASONS = ['operator', 'stuck', 'agent_failure'] as const;
export type RequeueReason = (typeof REQUEUE_REASONS)[number];

/**
 * The wait before the attempt after `failedAttempt`, without jitter: initialDelayMs times
 * backoffFactor to the (failedAttempt - 1), capped at maxDelayMs. Monotone in the attempt.
 */
export function baseBackoffMs(policy: RetryPolicy, failedAttempt: number): number {
  const grown = policy.initialDelayMs * policy.backoffFactor ** Math.max(0, failedAttempt - 1);
  return Math.min(policy.maxDelayMs, grown);
}

/**
 * The wait with jitter: `sample` in [0, 1) from the caller's random source (seeded in tests and
 * simulations) takes up to `jitter` of it off: the wait lies in [base * (1 - jitter), base] before it
 * is rounded to whole milliseconds (as every stamp), so within half a millisecond of that range after.
 */
export function backoffMs(policy: RetryPolicy, failedAttempt: number, sample: number): number {
  const unit = Number.isFinite(sample) ? Math.min(Math.max(sample, 0), 1) : 0;
  return Math.round(baseBackoffMs(policy, failedAttempt) * (1 - policy.jitter * unit));
}

/** Whether `policy` allows another attempt after `attempt`. */
export function hasAttemptsLeft(policy: RetryPolicy | null, attempt: number): policy is RetryPolicy {
  return policy !== null && attempt < policy.maxAttempts;
}

/** The detail of a delegation failed because its policy ran out of attempts; SQL builds the same text. */
export function retriesExhaustedDetail(attempts: number, lastError: string | null): string {
  return `gave up after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}: ${lastError ?? 'no error given'}`;
}
