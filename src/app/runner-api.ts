import { DelegationError, type Delegation } from '../domain/index.js';
import type { Ledger, StopReason } from './ledger-api.js';
import type { Clock, Logger, Timers } from './ports.js';

/**
 * What a run needs of the ledger: its beats, its report, asking for input and waiting for the
 * answer. The in-process Ledger has it, and so does the HTTP client (`delegation-ledger/client`).
 */
export type RunnerLedger = Pick<Ledger, 'heartbeat' | 'setStatus' | 'requestInput' | 'waitFor' | 'history'>;

/** The run an agent was handed: which delegation, and which attempt of it (fencing). */
export type RunTarget = { readonly delegationId: string; readonly attempt: number };

/** Why a run stopped before it could report: the ledger's stop answer, or its own deadline passing. */
export type RunStopReason = StopReason | 'deadline' | 'refused';

/** What the agent's work receives. */
export type RunContext = {
  /** Aborted, with a DelegationStoppedError as its reason, when the agent should give up. */
  readonly signal: AbortSignal;
  /** The delegation as the starting beat left it (its task preview, deadline and attempt). */
  readonly delegation: Delegation;
  /** Progress so far (a number, 0 or more); the latest is sent with the next beat. */
  progress(value: number): void;
  /** Asks the caller and waits for the answer (`resume`); rejects with the stop reason if the run stops meanwhile. */
  requestInput(question: string): Promise<string>;
};

export type RunWork<T> = (context: RunContext) => Promise<T> | T;

/**
 * How a run ended. `completed` and `failed` are what the runner reported; `stopped` means it
 * reported nothing (its signal fired, or the ledger refused the report), with why.
 */
export type RunOutcome =
  | { readonly status: 'completed'; readonly result: string | null; readonly delegation: Delegation }
  | { readonly status: 'failed'; readonly error: string; readonly retryable: boolean; readonly delegation: Delegation }
  | { readonly status: 'stopped'; readonly reason: RunStopReason; readonly delegation: Delegation | null };

export type RunOptions = {
  /**
   * Between beats; default a third of the silence the sweeper allows this delegation: its own
   * heartbeatTimeoutMs, else `thresholdMs`, else the ledger's threshold as the first beat's answer tells it.
   */
  readonly intervalMs?: number | undefined;
  /** The stuck threshold to pace by for delegations without their own; default the one the ledger answers with. */
  readonly thresholdMs?: number | undefined;
  /** What tells the deadline's time; default the system clock. */
  readonly clock?: Clock | undefined;
  /** Where beats are scheduled; default the clock's own timers if it has them, else the process's. */
  readonly timers?: Timers | undefined;
  /** Failed beats are logged here; default pino on stderr at LOG_LEVEL. */
  readonly logger?: Logger | undefined;
  /** Who the report names; default 'agent'. */
  readonly actor?: string | undefined;
};

/** What the runner needs, every default resolved. */
export type RunSettings = {
  readonly intervalMs: number | undefined;
  readonly thresholdMs: number | undefined;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly actor: string;
};

/** The reason a run's signal carries: the work should stop, and nothing it reports will count. */
export class DelegationStoppedError extends DelegationError {
  override readonly name = 'DelegationStoppedError';
  constructor(
    readonly delegationId: string,
    readonly attempt: number,
    readonly reason: RunStopReason,
  ) {
    super(`delegation ${delegationId} attempt ${attempt} stopped: ${reason}`);
  }
}
