import { InvalidInputError, isStatus, TERMINAL_STATUSES, WaitTimeoutError, type Delegation, type Status } from '../domain/index.js';
import type { WaitForOptions } from './ledger-api.js';
import type { TimerHandle, Timers } from './ports.js';
import { durationMs, MAX_TIMER_MS, optionsObject, requireId } from './validation.js';

/** A waitFor call, checked: what it waits on and for how long. */
export type WaitRequest = {
  readonly delegationId: string;
  /** The terminal statuses and the caller's `until`. */
  readonly targets: ReadonlySet<Status>;
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
};

/** Refuses bad input by name before anything waits. */
export function waitRequest(delegationId: unknown, options: WaitForOptions | undefined): WaitRequest {
  const id = requireId('delegationId', delegationId);
  const { timeoutMs, signal, until } = optionsObject('options', options);
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidInputError('signal', 'must be an AbortSignal');
  return { delegationId: id, targets: targetsOf(until), timeoutMs: durationMs('timeoutMs', timeoutMs, 1, MAX_TIMER_MS), signal };
}

function targetsOf(until: unknown): ReadonlySet<Status> {
  if (until === undefined) return new Set(TERMINAL_STATUSES);
  if (!Array.isArray(until)) throw new InvalidInputError('until', 'must be an array of statuses');
  for (const status of until) {
    if (!isStatus(status)) throw new InvalidInputError('until', `unknown status ${JSON.stringify(status)}`);
  }
  return new Set<Status>([...TERMINAL_STATUSES, ...(until as Status[])]);
}

/** One pending waitFor: settles once, by the first of its status, its timeout, its signal or a failure. */
export class Waiter {
  private settled = false;
  private readonly timer: TimerHandle | null;
  private readonly onAbort: () => void;

  constructor(
    private readonly request: WaitRequest,
    private readonly timers: Timers,
    private readonly resolve: (delegation: Delegation) => void,
    private readonly reject: (error: unknown) => void,
    private readonly onSettled: () => void,
  ) {
    const { timeoutMs, signal } = request;
    this.timer = timeoutMs === undefined ? null : timers.setTimeout(() => this.fail(new WaitTimeoutError(request.delegationId, timeoutMs)), timeoutMs);
    // Stryker disable next-line OptionalChaining: the handler is only ever attached to a signal
    this.onAbort = () => this.fail(signal?.reason);
    // end() removes the listener whichever way the wait settles.
    signal?.addEventListener('abort', this.onAbort);
  }

  get delegationId(): string {
    return this.request.delegationId;
  }

  wants(status: Status): boolean {
    return this.request.targets.has(status);
  }

  succeed(delegation: Delegation): void {
    if (this.end()) this.resolve(delegation);
  }

  fail(error: unknown): void {
    if (this.end()) this.reject(error);
  }

  /** True the first time only. */
  private end(): boolean {
    // Stryker disable next-line all: a second settle only repeats an ignored resolve/reject and a leave() that finds nothing
    if (this.settled) return false;
    // Stryker disable next-line BooleanLiteral: as above
    this.settled = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.request.signal?.removeEventListener('abort', this.onAbort);
    this.onSettled();
    return true;
  }
}
