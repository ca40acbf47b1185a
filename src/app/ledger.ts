import { randomUUID } from 'node:crypto';
import { inject, injectable, optional } from 'inversify';
import {
  ConcurrencyError,
  DelegationExistsError,
  InvalidInputError,
  decide,
  evolve,
  IN_FLIGHT_STATUSES,
  STATUSES,
  isTerminal,
  TERMINAL_STATUSES,
  type Delegation,
  type DelegationCommand,
  type RefusalReason,
  type Status,
  type StoredEvent,
} from '../domain/index.js';
import { createCommand, statusCommand } from './commands-from-input.js';
import type { DelegationsConfig } from './config.js';
import type {
  ClaimOptions,
  CreateInput,
  HeartbeatOptions,
  HeartbeatOutcome,
  HeartbeatTarget,
  Ledger,
  ListOptions,
  PruneOptions,
  PruneResult,
  SetStatusOptions,
  StatusFilter,
  StopReason,
  TransitionOutcome,
  WaitForOptions,
  Waiters,
} from './ledger-api.js';
import { Coalescer } from './coalescer.js';
import type { Clock, DelegationStore, ListQuery, Logger, RandomSource, TimedAccess, Timers } from './ports.js';
import { prune } from './retention.js';
import { timedAccess } from './timed-access.js';
import { TOKENS } from './tokens.js';
import { boundedInteger, detailText, MAX_ATTEMPT, optionsObject, positiveInteger, progressValue, requireDate, requireId, requireStatus } from './validation.js';

// Each lost race means a competitor appended an event, and a stream only moves
// forward a handful of times per attempt; hitting this bound means a livelock.
const MAX_DECISION_ROUNDS = 32;
export const MAX_LIST_LIMIT = 1000;
/**
 * What `list` shows unless told otherwise, in the library, the CLI and HTTP alike: the
 * delegations in flight, the ones someone may still have to act on. Terminal rows pile up
 * for ever, so `all` would hand back mostly finished history once a ledger has run a while.
 */
export const DEFAULT_LIST_STATUS: StatusFilter = 'in_flight';
export const DEFAULT_LIST_LIMIT = 100;
// One statement updates them all; a bigger batch is a caller's bug, not a fleet.
export const MAX_HEARTBEAT_BATCH = 10_000;
// One claim is one statement holding its rows' locks: a batch for one agent's slots, not the queue.
export const MAX_CLAIM_LIMIT = 1000;

/**
 * heartbeat() calls gathered into one write: up to this many per statement, and this many
 * statements on their way at once (the rest gather meanwhile). See BENCHMARKS.md for the choice.
 */
export const HEARTBEAT_COALESCING = { maxBatch: 1000, maxInFlight: 1 } as const;

type Beat = { readonly delegationId: string; readonly attempt: number | undefined; readonly progress: number | null };

const MATH_RANDOM: RandomSource = { next: Math.random };
// For a ledger built by hand without the Timers binding: prune's rests between batches.
const PROCESS_TIMERS: Timers = {
  setTimeout: (callback, ms) => ({ id: setTimeout(callback, ms) }),
  clearTimeout: (handle) => clearTimeout(handle.id as ReturnType<typeof setTimeout>),
};

type Outcome = TransitionOutcome | { readonly outcome: 'recorded'; readonly delegation: Delegation };

@injectable()
export class LedgerService implements Ledger {
  constructor(
    @inject(TOKENS.Store) private readonly store: DelegationStore,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Config) private readonly config: DelegationsConfig,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Waiters) private readonly waiters: Pick<Waiters, 'wait'>,
    @inject(TOKENS.Random) @optional() random?: RandomSource,
    @inject(TOKENS.Timers) @optional() timers?: Timers,
  ) {
    this.random = random ?? MATH_RANDOM;
    this.timed = timedAccess(store, clock);
    this.beats = new Coalescer((beats) => this.beatRound(beats), { keyOf: (beat) => beat.delegationId, ...HEARTBEAT_COALESCING });
    this.timers = timers ?? PROCESS_TIMERS;
  }

  private readonly random: RandomSource;
  private readonly timed: TimedAccess;
  private readonly beats: Coalescer<Beat, HeartbeatOutcome>;
  private readonly timers: Timers;

  async create(input: CreateInput): Promise<Delegation> {
    const now = await this.clock.now();
    const command = createCommand(input, now, this.config, randomUUID);
    const decision = decide(command, null, now);
    // Stryker disable next-line all: decide() always applies one event to a create on no state; the check is the type's
    const [event] = decision.kind === 'apply' ? decision.events : [];
    // Stryker disable next-line all: as above
    if (event === undefined) throw new Error('create produced no event');
    const result = await this.store.insert(evolve(null, event), event);
    if (result.inserted) {
      this.logger.info({ delegationId: command.delegationId, callerId: command.callerId, calleeId: command.calleeId }, 'delegation created');
      return result.delegation;
    }
    const { existing } = result;
    const sameRequest = command.idempotencyKey !== null && existing.callerId === command.callerId && existing.idempotencyKey === command.idempotencyKey;
    // Stryker disable next-line ConditionalExpression,StringLiteral: a key conflict is on (callerId, key), so sameRequest holds for it too
    if (result.conflict === 'idempotency_key' || sameRequest) return existing;
    throw new DelegationExistsError(command.delegationId);
  }

  async setStatus(delegationId: string, status: Status, options: SetStatusOptions = {}): Promise<TransitionOutcome> {
    const id = requireId('delegationId', delegationId);
    return (await this.execute(id, statusCommand(requireStatus(status), optionsObject('options', options), this.random.next()))) as TransitionOutcome;
  }

  async claim(options: ClaimOptions): Promise<Delegation[]> {
    const { calleeId, limit, actor } = optionsObject('options', options);
    const request = {
      calleeId: requireId('calleeId', calleeId),
      limit: boundedInteger('limit', limit, MAX_CLAIM_LIMIT) ?? 1,
      actor: actor === undefined ? 'agent' : requireId('actor', actor),
      now: await this.clock.now(),
    };
    const { delegations } = await this.store.claim(request);
    if (delegations.length > 0) this.logger.info({ calleeId: request.calleeId, claimed: delegations.length }, 'delegations claimed');
    return [...delegations];
  }

  async requestInput(
    delegationId: string,
    options: { question: string; attempt?: number | undefined; actor?: string | undefined },
  ): Promise<TransitionOutcome> {
    const { question, attempt, actor } = optionsObject('options', options);
    if (typeof question !== 'string') throw new InvalidInputError('question', 'must be a string');
    return this.setStatus(delegationId, 'input_required', { errorDetail: question, attempt, actor });
  }

  async resume(delegationId: string, options?: { answer?: string | undefined; actor?: string | undefined }): Promise<TransitionOutcome> {
    const id = requireId('delegationId', delegationId);
    const { answer, actor } = optionsObject('options', options);
    const command = { type: 'Resume', answer: detailText('answer', answer), actor: actor === undefined ? 'caller' : requireId('actor', actor) } as const;
    return (await this.execute(id, command)) as TransitionOutcome;
  }

  async reject(
    delegationId: string,
    options?: { reason?: string | undefined; attempt?: number | undefined; actor?: string | undefined },
  ): Promise<TransitionOutcome> {
    const { reason, attempt, actor } = optionsObject('options', options);
    return this.setStatus(delegationId, 'rejected', { errorDetail: detailText('reason', reason) ?? undefined, attempt, actor });
  }

  async heartbeat(delegationId: string, options: HeartbeatOptions = {}): Promise<HeartbeatOutcome> {
    const id = requireId('delegationId', delegationId);
    const { attempt: rawAttempt, progress: rawProgress } = optionsObject('options', options);
    const attempt = positiveInteger('attempt', rawAttempt);
    const progress = progressValue(rawProgress);
    // Concurrent beats share one write: the statement, not the beat, is what costs.
    return this.beats.add({ delegationId: id, attempt, progress: progress ?? null });
  }

  async heartbeatMany(beats: readonly HeartbeatTarget[]): Promise<HeartbeatOutcome[]> {
    const outcomes: HeartbeatOutcome[] = [];
    // A delegation named twice is beaten twice, the second time after the first, as one by one.
    for (const round of rounds(heartbeatTargets(beats))) {
      const pending = await this.beatRound(round.map(({ beat }) => beat));
      const answers = pending.some((a) => a instanceof Promise) ? await Promise.all(pending) : (pending as HeartbeatOutcome[]);
      round.forEach(({ index }, i) => {
        outcomes[index] = answers[i] as HeartbeatOutcome;
      });
    }
    return outcomes;
  }

  /**
   * Beats on distinct delegations as one write; once it is done, each beat's answer. Most land on
   * a running delegation and need no decision; those the write did not record (they start,
   * recover, or are refused) are decided on fresh state, each on its own.
   */
  private async beatRound(beats: readonly Beat[]): Promise<(HeartbeatOutcome | Promise<HeartbeatOutcome>)[]> {
    // An attempt past what the column holds names no attempt there is: decided (refused), never written.
    const writable = beats.filter((beat) => beat.attempt === undefined || beat.attempt <= MAX_ATTEMPT);
    // Stryker disable next-line ConditionalExpression,ArrayDeclaration: an empty batch only saves the round trip; the store answers none either way
    const touched = writable.length === 0 ? [] : await this.timed.recordHeartbeatsNow(writable);
    const byId = new Map(touched.map((d) => [d.delegationId, d]));
    // Recorded beats are answered as values: a batch of 1,000 need not make 1,000 promises.
    return beats.map(({ delegationId, attempt, progress }) => {
      const delegation = byId.get(delegationId);
      // Stryker disable next-line ConditionalExpression: the store touches only a row on the beat's attempt, so a touched row always matches
      if (delegation !== undefined && (attempt === undefined || attempt === delegation.attempt)) {
        return goOn({ outcome: 'recorded', delegation }, this.config.stuckThresholdMs);
      }
      const command = { type: 'Heartbeat', attempt, progress: progress ?? undefined, actor: 'agent' } as const;
      return this.execute(delegationId, command).then((outcome) => answer(outcome, this.config.stuckThresholdMs));
    });
  }

  async retry(delegationId: string, options?: { actor?: string }): Promise<TransitionOutcome> {
    const { actor } = optionsObject('options', options);
    return this.setStatus(delegationId, 'queued', { actor: actor ?? 'operator' });
  }

  async cancel(delegationId: string, options?: { reason?: string | undefined; actor?: string | undefined }): Promise<TransitionOutcome> {
    const { reason, actor } = optionsObject('options', options);
    return this.setStatus(delegationId, 'cancelled', { errorDetail: detailText('reason', reason) ?? undefined, actor: actor ?? 'operator' });
  }

  waitFor(delegationId: string, options?: WaitForOptions): Promise<Delegation> {
    return this.waiters.wait(delegationId, options);
  }

  async get(delegationId: string): Promise<Delegation | null> {
    return this.store.load(requireId('delegationId', delegationId));
  }

  async history(delegationId: string): Promise<StoredEvent[]> {
    return this.store.history(requireId('delegationId', delegationId));
  }

  async list(options?: ListOptions): Promise<Delegation[]> {
    return this.store.list(listQuery(options));
  }

  async stats(): Promise<Record<Status, number>> {
    return this.store.countByStatus();
  }

  prune(options: PruneOptions): Promise<PruneResult> {
    return prune(this.store, this.clock, this.timers, this.logger, options);
  }

  /** Decide on fresh state, write under the expected version, decide again if a competitor won. */
  private async execute(delegationId: string, command: DelegationCommand): Promise<Outcome> {
    for (let round = 0; round < MAX_DECISION_ROUNDS; round += 1) {
      // The state and the time in one round trip where the store's database is the clock.
      const { delegation: state, now } = await this.timed.loadWithTime(delegationId);
      if (state === null) return { outcome: 'not_found', delegationId };
      const decision = decide(command, state, now);
      switch (decision.kind) {
        case 'unchanged':
          return { outcome: 'unchanged', delegation: state };
        case 'refused':
          this.logger.debug({ delegationId, command: command.type, reason: decision.reason }, 'transition refused');
          return { outcome: 'refused', reason: decision.reason, message: decision.message, delegation: state };
        case 'heartbeat': {
          const beat = { delegationId, attempt: state.attempt, progress: decision.progress };
          const [touched] = await this.store.recordHeartbeats([beat], now);
          if (touched !== undefined) return { outcome: 'recorded', delegation: touched };
          continue;
        }
        case 'apply': {
          const next = decision.events.reduce<Delegation>(evolve, state);
          try {
            const written = await this.store.append({ delegationId, expectedVersion: state.version, events: decision.events, next });
            const event = written.events[written.events.length - 1] as StoredEvent;
            this.logger.info(
              { delegationId, event: event.type, from: event.fromStatus, to: event.toStatus, actor: event.actor, attempt: event.attempt },
              'delegation transition',
            );
            return { outcome: 'applied', delegation: written.delegation, event };
          } catch (error) {
            if (!(error instanceof ConcurrencyError)) throw error;
            this.logger.debug({ delegationId, command: command.type, round }, 'lost a race, deciding again');
          }
        }
      }
    }
    throw new ConcurrencyError(delegationId, -1);
  }
}

/** The agent goes on, told its budget. */
function goOn(outcome: Outcome & { readonly delegation: Delegation }, thresholdMs: number): HeartbeatOutcome {
  const { delegation } = outcome;
  // The silence the sweeper allows before it marks this delegation stuck: an agent paces its beats by it.
  const heartbeatTimeoutMs = delegation.heartbeatTimeoutMs ?? thresholdMs;
  const budget = {
    stop: false,
    reason: null,
    heartbeatTimeoutMs,
    delegation,
    status: delegation.status,
    deadline: delegation.deadline,
    attempt: delegation.attempt,
  } as const;
  if (outcome.outcome === 'applied') return { outcome: 'applied', event: outcome.event, ...budget };
  // Stryker disable next-line all: no heartbeat refusal goes on today (stopReason names one for each); kept for a new refusal
  if (outcome.outcome === 'refused') return { outcome: 'refused', refusal: { reason: outcome.reason, message: outcome.message }, ...budget };
  return { outcome: outcome.outcome === 'recorded' ? 'recorded' : 'unchanged', ...budget };
}

/** A heartbeat's decision as the agent's control channel: go on, or stop and why. */
function answer(outcome: Outcome, thresholdMs: number): HeartbeatOutcome {
  if (outcome.outcome === 'not_found') {
    return { outcome: 'not_found', stop: true, reason: 'not_found', heartbeatTimeoutMs: null, delegation: null, status: null, deadline: null, attempt: null };
  }
  // Stryker disable next-line ConditionalExpression: an applied or unchanged beat is on a live delegation, where stopReason gives null too
  if (outcome.outcome !== 'refused') return goOn(outcome, thresholdMs);
  const { delegation } = outcome;
  const reason = stopReason(outcome.reason, delegation);
  // Stryker disable next-line ConditionalExpression: as above, no refusal maps to null today
  if (reason === null) return goOn(outcome, thresholdMs);
  const refusal = { reason: outcome.reason, message: outcome.message };
  const heartbeatTimeoutMs = delegation.heartbeatTimeoutMs ?? thresholdMs;
  return {
    outcome: 'refused',
    refusal,
    stop: true,
    reason,
    heartbeatTimeoutMs,
    delegation,
    status: delegation.status,
    deadline: delegation.deadline,
    attempt: delegation.attempt,
  };
}

/** Refusals that end the agent's work; any other (none today) leaves it going on. */
function stopReason(refusal: RefusalReason, delegation: Delegation): StopReason | null {
  if (isTerminal(delegation.status)) return delegation.status;
  switch (refusal) {
    case 'stale_attempt':
      return 'superseded';
    case 'unknown_attempt':
      return 'unknown_attempt';
    case 'not_available':
      return 'not_available';
    // Stryker disable next-line all: every heartbeat refusal today has its case above
    default:
      return null;
  }
}

/** The beats (with their place) in rounds on distinct delegations: a delegation's n-th beat in the n-th round. */
function rounds(targets: readonly { delegationId: string; attempt: number | undefined }[]): { beat: Beat; index: number }[][] {
  const seen = new Map<string, number>();
  const out: { beat: Beat; index: number }[][] = [];
  targets.forEach(({ delegationId, attempt }, index) => {
    const n = seen.get(delegationId) ?? 0;
    seen.set(delegationId, n + 1);
    const round = out[n] ?? [];
    round.push({ beat: { delegationId, attempt, progress: null }, index });
    out[n] = round;
  });
  return out;
}

/** A batch of beats: ids (unfenced) or { delegationId, attempt } (fenced), at most MAX_HEARTBEAT_BATCH. */
function heartbeatTargets(beats: readonly HeartbeatTarget[]): { delegationId: string; attempt: number | undefined }[] {
  if (!Array.isArray(beats)) throw new InvalidInputError('delegationIds', 'must be an array of ids or { delegationId, attempt } entries');
  if (beats.length > MAX_HEARTBEAT_BATCH) throw new InvalidInputError('delegationIds', `must hold at most ${MAX_HEARTBEAT_BATCH} ids`);
  return beats.map((beat: unknown) => {
    if (typeof beat === 'string') return { delegationId: requireId('delegationIds', beat), attempt: undefined };
    const { delegationId, attempt } = optionsObject('delegationIds', beat as { delegationId?: unknown; attempt?: unknown });
    return { delegationId: requireId('delegationId', delegationId), attempt: positiveInteger('attempt', attempt) };
  });
}

export function statusesOf(filter: StatusFilter): readonly Status[] {
  if (filter === 'all') return STATUSES;
  if (filter === 'in_flight') return IN_FLIGHT_STATUSES;
  if (filter === 'terminal') return TERMINAL_STATUSES;
  return [requireStatus(filter)];
}

/** Checks list's options into the store's query; each wrong one is an InvalidInputError naming it. */
export function listQuery(options: ListOptions | undefined): ListQuery {
  const {
    limit = DEFAULT_LIST_LIMIT,
    status = DEFAULT_LIST_STATUS,
    callerId,
    calleeId,
    createdAfter,
    createdBefore,
    after,
  } = optionsObject('options', options);
  const position = after === undefined ? undefined : optionsObject('after', after);
  return {
    statuses: statusesOf(status),
    limit: boundedInteger('limit', limit, MAX_LIST_LIMIT) ?? DEFAULT_LIST_LIMIT,
    callerId: callerId === undefined ? undefined : requireId('callerId', callerId),
    calleeId: calleeId === undefined ? undefined : requireId('calleeId', calleeId),
    createdAfter: createdAfter === undefined ? undefined : requireDate('createdAfter', createdAfter),
    createdBefore: createdBefore === undefined ? undefined : requireDate('createdBefore', createdBefore),
    after:
      position === undefined
        ? undefined
        : { createdAt: requireDate('after.createdAt', position.createdAt), delegationId: requireId('after.delegationId', position.delegationId) },
  };
}
