import type { RetryPolicy } from './retry.js';

/**
 * Commands name what a caller asks for; `decide` turns them into events or a refusal.
 * Type names carry the noun (`StartDelegation`, not `Start`) so they never collide with a host's own;
 * the `type` tags stay short, they are data (logged with a refusal), not names in anyone's scope.
 */
type Fenced = {
  /** The attempt the sender believes it works on; an older or unknown one is refused. */
  readonly attempt?: number | undefined;
  readonly actor: string;
};

export type CreateDelegation = {
  readonly type: 'Create';
  readonly delegationId: string;
  readonly callerId: string;
  readonly calleeId: string;
  readonly taskPreview: string;
  readonly deadline: Date;
  readonly heartbeatTimeoutMs: number | null;
  readonly idempotencyKey: string | null;
  readonly retry: RetryPolicy | null;
  readonly actor: string;
};
export type DispatchDelegation = Fenced & { readonly type: 'Dispatch' };
export type StartDelegation = Fenced & { readonly type: 'Start' };
export type HeartbeatDelegation = Fenced & { readonly type: 'Heartbeat'; readonly progress?: number | undefined };
export type MarkDelegationStuck = Fenced & {
  readonly type: 'MarkStuck';
  readonly detail: string;
  readonly silentForMs: number | null;
};
/**
 * Opens attempt n+1. 'operator' (the default) is the operator's retry of a stuck delegation,
 * available at once; 'stuck' is the sweeper's automatic one, under the delegation's policy.
 */
export type RequeueDelegation = Fenced & {
  readonly type: 'Requeue';
  readonly reason?: 'operator' | 'stuck' | undefined;
  /** In [0, 1): the random draw for the backoff's jitter. */
  readonly sample?: number | undefined;
};
export type RequestInput = Fenced & { readonly type: 'RequestInput'; readonly question: string | null };
export type ResumeDelegation = Fenced & { readonly type: 'Resume'; readonly answer: string | null };
export type RejectDelegation = Fenced & { readonly type: 'Reject'; readonly reason: string | null };
export type CompleteDelegation = Fenced & { readonly type: 'Complete'; readonly result: string | null };
export type FailDelegation = Fenced & {
  readonly type: 'Fail';
  readonly error: string | null;
  /** The agent says another attempt may succeed: requeued while the policy has attempts left. */
  readonly retryable?: boolean | undefined;
  /** In [0, 1): the random draw for the backoff's jitter. */
  readonly sample?: number | undefined;
};
export type CancelDelegation = Fenced & { readonly type: 'Cancel'; readonly reason: string | null };

export type DelegationCommand =
  | CreateDelegation
  | DispatchDelegation
  | StartDelegation
  | HeartbeatDelegation
  | MarkDelegationStuck
  | RequeueDelegation
  | RequestInput
  | ResumeDelegation
  | RejectDelegation
  | CompleteDelegation
  | FailDelegation
  | CancelDelegation;
