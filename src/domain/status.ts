export const IN_FLIGHT_STATUSES = ['queued', 'dispatched', 'in_progress', 'input_required', 'stuck'] as const;
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled', 'rejected'] as const;
export const STATUSES = [...IN_FLIGHT_STATUSES, ...TERMINAL_STATUSES] as const;

/**
 * Statuses whose agent owes heartbeats: queued rows wait for an agent, stuck rows are
 * already flagged and an agent in input_required may be parked, not running; only these can go stale.
 */
export const LIVENESS_CHECKED_STATUSES = ['dispatched', 'in_progress'] as const;

/** Where an operator's retry (the Requeue command) may start: only a delegation flagged stuck. */
export const OPERATOR_REQUEUE_FROM = ['stuck'] as const;

export type InFlightStatus = (typeof IN_FLIGHT_STATUSES)[number];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
export type Status = InFlightStatus | TerminalStatus;

/**
 * Every edge any command may take. `-> queued` opens attempt n+1, so it is not a step back:
 * from stuck it is the operator's retry or the sweeper's automatic one, from the other running
 * statuses only a retryable failure under a retry policy takes it.
 */
export const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  queued: ['dispatched', 'in_progress', 'stuck', 'completed', 'failed', 'cancelled'],
  dispatched: ['in_progress', 'stuck', 'completed', 'failed', 'cancelled', 'rejected', 'queued'],
  in_progress: ['stuck', 'input_required', 'completed', 'failed', 'cancelled', 'rejected', 'queued'],
  // -> in_progress is the caller's resume with an answer, never the agent's own start.
  input_required: ['in_progress', 'completed', 'failed', 'cancelled', 'queued'],
  stuck: ['in_progress', 'completed', 'failed', 'cancelled', 'queued'],
  completed: [],
  failed: [],
  cancelled: [],
  rejected: [],
};

export function isStatus(value: unknown): value is Status {
  // Stryker disable next-line ConditionalExpression: equivalent: includes() on the list of status strings is false for any non-string anyway
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

export function isTerminal(status: Status): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly Status[]).includes(status);
}

export function isInFlight(status: Status): status is InFlightStatus {
  return !isTerminal(status);
}

export function canTransition(from: Status, to: Status): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Progress within one attempt: queued < dispatched < in_progress = input_required = stuck < terminal. */
export function phaseOf(status: Status): number {
  switch (status) {
    case 'queued':
      return 0;
    case 'dispatched':
      return 1;
    case 'in_progress':
    case 'input_required':
    case 'stuck':
      return 2;
    case 'completed':
    case 'failed':
    case 'cancelled':
    case 'rejected':
      return 3;
    default:
      return assertNever(status);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
