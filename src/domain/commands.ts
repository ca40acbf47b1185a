/** Commands name what a caller asks for; `decide` turns them into events or a refusal. */
type Fenced = {
  /** The attempt the sender believes it works on; an older or unknown one is refused. */
  readonly attempt?: number | undefined;
  readonly actor: string;
};

export type Create = {
  readonly type: 'Create';
  readonly delegationId: string;
  readonly callerId: string;
  readonly calleeId: string;
  readonly taskPreview: string;
  readonly deadline: Date;
  readonly heartbeatTimeoutMs: number | null;
  readonly idempotencyKey: string | null;
  readonly actor: string;
};
export type Dispatch = Fenced & { readonly type: 'Dispatch' };
export type Start = Fenced & { readonly type: 'Start' };
export type Heartbeat = Fenced & { readonly type: 'Heartbeat'; readonly progress?: number | undefined };
export type MarkStuck = Fenced & {
  readonly type: 'MarkStuck';
  readonly detail: string;
  readonly silentForMs: number | null;
};
export type Requeue = Fenced & { readonly type: 'Requeue' };
export type Complete = Fenced & { readonly type: 'Complete'; readonly result: string | null };
export type Fail = Fenced & { readonly type: 'Fail'; readonly error: string | null };
export type Cancel = Fenced & { readonly type: 'Cancel'; readonly reason: string | null };

export type DelegationCommand = Create | Dispatch | Start | Heartbeat | MarkStuck | Requeue | Complete | Fail | Cancel;
