/**
 * The package root: the facade (`createDelegations` and what it returns), the
 * ports' and outcomes' types, events, statuses and errors. Containers, Drizzle,
 * the memory adapter, the contract suites and the simulator have subpaths of
 * their own (`delegation-ledger/inversify`, `/drizzle`, `/memory`, `/testing`,
 * `/simulator`); what is exported nowhere is internal and may change.
 */
import 'reflect-metadata';

export {
  createDelegations,
  type CreateDelegationsOptions,
  type Delegations,
  type MemoryStoreOptions,
  type PgliteStoreOptions,
  type PostgresStoreOptions,
} from './delegations.js';
export {
  STATUSES,
  IN_FLIGHT_STATUSES,
  TERMINAL_STATUSES,
  TRANSITIONS,
  LIVENESS_CHECKED_STATUSES,
  OPERATOR_REQUEUE_FROM,
  isStatus,
  isTerminal,
  isInFlight,
  canTransition,
  type Status,
  type InFlightStatus,
  type TerminalStatus,
} from './domain/status.js';
export type * from './domain/delegation.js';
export { EVENT_TYPES, DEADLINE_EXCEEDED, type EventType, type StoredEvent } from './domain/events.js';
export type {
  DelegationEvent,
  DelegationCreated,
  DelegationDispatched,
  DelegationStarted,
  DelegationMarkedStuck,
  DelegationRecovered,
  DelegationRequeued,
  DelegationInputRequested,
  DelegationResumed,
  DelegationCompleted,
  DelegationFailed,
  DelegationCancelled,
  DelegationRejected,
  DelegationDetailRecorded,
} from './domain/events.js';
export type * from './domain/commands.js';
export type { Decision, RefusalReason } from './domain/decision.js';
export { decide } from './domain/decide.js';
export { evolve, fold } from './domain/evolve.js';
export {
  classifyDelegation,
  sweepGrace,
  type ClassifiableRow,
  type Classification,
  type GraceRules,
  type SweepHistory,
  type SweepPolicy,
} from './domain/classify.js';
export {
  DEFAULT_RETRY_POLICY,
  REQUEUE_REASONS,
  backoffMs,
  baseBackoffMs,
  retriesExhaustedDetail,
  type RequeueReason,
  type RetryPolicy,
} from './domain/retry.js';
export { A2A_TASK_STATES, toA2ATaskState, type A2ATaskState } from './domain/a2a.js';
export { MAX_DETAIL_BYTES } from './domain/text.js';
export * from './domain/errors.js';
export { DataDirectoryInUseError } from './adapters/drizzle/pglite-lock.js';
export { DataDirectoryError } from './adapters/drizzle/data-dir.js';
export { StoreClosedError, SubscriptionFailedError } from './app/subscriptions-api.js';
export { runDelegation } from './runner.js';
export {
  DelegationStoppedError,
  type RunContext,
  type RunOptions,
  type RunOutcome,
  type RunStopReason,
  type RunTarget,
  type RunWork,
  type RunnerLedger,
} from './app/runner-api.js';
export type * from './app/ports.js';
export type * from './app/ledger-api.js';
export { MAX_CLAIM_LIMIT } from './app/ledger.js';
export { STOP_REASONS } from './app/ledger-api.js';
export { MAX_RETRY_ATTEMPTS } from './app/retry-policy.js';
export type { BatchContext, SubscribeOptions, SubscriptionHandle, SubscriptionHandler, Subscriptions } from './app/subscriptions-api.js';
export type { VerifyReport, ProjectionMismatch } from './app/verify.js';
export {
  DEFAULT_DEADLINE_MS,
  DEFAULT_STUCK_THRESHOLD_MS,
  DEFAULT_SWEEP_INTERVAL_MS,
  ENV_STUCK_THRESHOLD,
  ENV_SWEEP_INTERVAL,
  ENV_OUTAGE_GAP,
  ENV_RETRY,
  type ConfigOverrides,
  type DelegationsConfig,
} from './app/config.js';
export { createPinoLogger, silentLogger } from './adapters/logging/pino-logger.js';
