export const IN_FLIGHT_STATUSES = ['queued', 'dispatched', 'in_progress', 'stuck'] as const;
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export const STATUSES = [...IN_FLIGHT_STATUSES, ...TERMINAL_STATUSES] as const;

/**
 * Statuses whose agent owes heartbeats: queued rows wait for an agent and stuck
 * rows are already flagged, so only these can go stale.
 */
export const LIVENESS_CHECKED_STATUSES = ['dispatched', 'in_progress'] as const;

export type InFlightStatus = (typeof IN_FLIGHT_STATUSES)[number];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
export type Status = InFlightStatus | TerminalStatus;

export const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  queued: ['dispatched', 'in_progress', 'stuck', 'completed', 'failed', 'cancelled'],
  dispatched: ['in_progress', 'stuck', 'completed', 'failed', 'cancelled'],
  in_progress: ['stuck', 'completed', 'failed', 'cancelled'],
  // stuck -> queued is the operator's retry: it opens attempt n+1, so it is not a step back.
  stuck: ['in_progress', 'completed', 'failed', 'cancelled', 'queued'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function isStatus(value: unknown): value is Status {
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

/** Progress within one attempt: queued < dispatched < in_progress = stuck < terminal. */
export function phaseOf(status: Status): number {
  switch (status) {
    case 'queued':
      return 0;
    case 'dispatched':
      return 1;
    case 'in_progress':
    case 'stuck':
      return 2;
    case 'completed':
    case 'failed':
    case 'cancelled':
      return 3;
    default:
      return assertNever(status);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
