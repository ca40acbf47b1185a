import type {
  CreateInput,
  HeartbeatOptions,
  HeartbeatOutcome,
  SetStatusOptions,
  StatusFilter,
  TransitionOutcome,
  WaitForOptions,
} from '../../app/ledger-api.js';
import type { RunnerLedger } from '../../app/runner-api.js';
import { positiveInteger, progressValue, requireId } from '../../app/validation.js';
import { type Delegation, DelegationExistsError, InvalidInputError, type Status, type StoredEvent } from '../../domain/index.js';
import { type ClientOptions, settingsOf } from './options.js';
import { type CallOptions, type Request, read, send, type TransportSettings } from './transport.js';
import { waitFor } from './wait.js';
import { claimAnswer, delegationAnswer, existsAnswer, heartbeatAnswer, listAnswer, refusedAnswer, shownAnswer, transitionAnswer } from './wire.js';

/** A create over HTTP: a caller token implies its callerId; an admin token names it. */
export type ClientCreateInput = Omit<CreateInput, 'callerId'> & { readonly callerId?: string | undefined };

export type ListFilters = {
  readonly status?: StatusFilter | undefined;
  readonly callerId?: string | undefined;
  readonly calleeId?: string | undefined;
  readonly createdAfter?: Date | string | undefined;
  readonly createdBefore?: Date | string | undefined;
  readonly limit?: number | undefined;
  /** The page after the one whose `nextCursor` this is. */
  readonly cursor?: string | undefined;
};

export type ListPage = { readonly delegations: Delegation[]; readonly nextCursor: string | null };
export type Shown = { readonly delegation: Delegation; readonly history: StoredEvent[] };

/** Agents report these over HTTP: the runner's completed and failed, and declining the task. */
const REPORTED = ['completed', 'failed', 'rejected', 'cancelled'] as const;

/**
 * The service's /v1 API, typed: what a caller and an agent do, answered as the in-process ledger
 * answers (Dates, outcome objects, a refusal as `{ outcome: 'refused' }`), so `runDelegation`
 * runs on it as on the ledger. Errors: InvalidInputError (400, naming the field), AccessDeniedError
 * (401/403), ServiceUnavailableError (503 or no connection, retried first), RequestTimeoutError.
 */
export class DelegationsClient implements RunnerLedger {
  private readonly settings: TransportSettings;

  constructor(options: ClientOptions) {
    this.settings = settingsOf(options);
  }

  /** 201 on a new delegation; with an idempotencyKey, a repeat returns the one it made. */
  async create(input: ClientCreateInput, call?: CallOptions): Promise<Delegation> {
    if (typeof input !== 'object' || input === null) throw new InvalidInputError('input', 'must be an object');
    const { idempotencyKey, deadline, ...rest } = input;
    const key = idempotencyKey === undefined ? undefined : requireId('idempotencyKey', idempotencyKey);
    const body = { ...rest, ...(deadline === undefined ? {} : { deadline: isoDate('deadline', deadline) }) };
    const request: Request = {
      method: 'POST',
      path: '/v1/delegations',
      body,
      headers: key === undefined ? {} : { 'idempotency-key': key },
      // With a key the service answers a repeat with the first one's delegation; without, a repeat is a second delegation.
      replaySafe: key !== undefined,
      expect: [409],
    };
    const answer = await send(this.settings, request, call);
    if (answer.status === 409) throw new DelegationExistsError(read(existsAnswer, request, answer).delegationId);
    return read(delegationAnswer, request, answer).delegation;
  }

  /** The delegation and its events, or null when there is none. */
  async show(delegationId: string, call?: CallOptions): Promise<Shown | null> {
    const request = get(`/v1/delegations/${pathId(delegationId)}`);
    const answer = await send(this.settings, request, call);
    return answer.status === 404 ? null : read(shownAnswer, request, answer);
  }

  async get(delegationId: string, call?: CallOptions): Promise<Delegation | null> {
    return (await this.show(delegationId, call))?.delegation ?? null;
  }

  /** Its events in order; empty when there is no such delegation, as the ledger's. */
  async history(delegationId: string, call?: CallOptions): Promise<StoredEvent[]> {
    return (await this.show(delegationId, call))?.history ?? [];
  }

  /** One page, newest first; pass its nextCursor for the next. */
  async list(filters: ListFilters = {}, call?: CallOptions): Promise<ListPage> {
    const limit = positiveInteger('limit', filters.limit);
    const query = {
      status: filters.status,
      callerId: filters.callerId,
      calleeId: filters.calleeId,
      createdAfter: filters.createdAfter === undefined ? undefined : isoDate('createdAfter', filters.createdAfter),
      createdBefore: filters.createdBefore === undefined ? undefined : isoDate('createdBefore', filters.createdBefore),
      limit: limit === undefined ? undefined : String(limit),
      cursor: filters.cursor,
    };
    const request: Request = { method: 'GET', path: '/v1/delegations', query, replaySafe: true };
    return read(listAnswer, request, await send(this.settings, request, call));
  }

  /** Every delegation the filters match, page by page. */
  async *listAll(filters: Omit<ListFilters, 'cursor'> = {}, call?: CallOptions): AsyncGenerator<Delegation> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...filters, cursor }, call);
      yield* page.delegations;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /**
   * Resolves once the delegation is terminal (or in `until`), long-polling the service; rejects
   * with WaitTimeoutError after `timeoutMs`, DelegationNotFoundError, or the signal's reason.
   */
  async waitFor(delegationId: string, options: WaitForOptions = {}): Promise<Delegation> {
    return waitFor(this.settings, pathId(delegationId), options);
  }

  async cancel(delegationId: string, options: { reason?: string | undefined } = {}, call?: CallOptions): Promise<TransitionOutcome> {
    return this.transition(delegationId, 'cancel', { reason: options.reason }, call, true);
  }

  /** Answers an input_required delegation: a repeat is refused once it runs again, so it is not retried blindly. */
  async resume(delegationId: string, options: { answer?: string | undefined } = {}, call?: CallOptions): Promise<TransitionOutcome> {
    return this.transition(delegationId, 'resume', { answer: options.answer }, call, false);
  }

  /** Moves up to `limit` queued delegations for the callee (an agent token's own) to dispatched. */
  async claim(options: { calleeId?: string | undefined; limit?: number | undefined } = {}, call?: CallOptions): Promise<Delegation[]> {
    const body = {
      calleeId: options.calleeId === undefined ? undefined : requireId('calleeId', options.calleeId),
      limit: positiveInteger('limit', options.limit),
    };
    // A repeat after a lost answer would claim another batch and strand the first: never replayed.
    const request: Request = { method: 'POST', path: '/v1/claims', body, replaySafe: false };
    return read(claimAnswer, request, await send(this.settings, request, call)).delegations;
  }

  /** The agent's control channel: `stop` and its `reason` say whether to go on. */
  async heartbeat(delegationId: string, options: HeartbeatOptions = {}, call?: CallOptions): Promise<HeartbeatOutcome> {
    const body = { attempt: positiveInteger('attempt', options.attempt), progress: progressValue(options.progress) };
    const request: Request = { method: 'POST', path: `/v1/delegations/${pathId(delegationId)}/heartbeat`, body, replaySafe: true, expect: [404] };
    const answer = await send(this.settings, request, call);
    return answer.status === 404 ? notFoundBeat() : read(heartbeatAnswer, request, answer);
  }

  async complete(
    delegationId: string,
    options: { attempt?: number | undefined; result?: string | undefined } = {},
    call?: CallOptions,
  ): Promise<TransitionOutcome> {
    return this.transition(delegationId, 'complete', { attempt: positiveInteger('attempt', options.attempt), result: options.result }, call, true);
  }

  async fail(
    delegationId: string,
    options: { attempt?: number | undefined; error?: string | undefined; retryable?: boolean | undefined } = {},
    call?: CallOptions,
  ): Promise<TransitionOutcome> {
    const body = { attempt: positiveInteger('attempt', options.attempt), error: options.error, retryable: options.retryable };
    return this.transition(delegationId, 'fail', body, call, true);
  }

  async requestInput(delegationId: string, options: { question: string; attempt?: number | undefined }, call?: CallOptions): Promise<TransitionOutcome> {
    if (typeof options !== 'object' || options === null) throw new InvalidInputError('options', 'must be { question, attempt? }');
    const body = { question: options.question, attempt: positiveInteger('attempt', options.attempt) };
    return this.transition(delegationId, 'input-request', body, call, true);
  }

  async reject(
    delegationId: string,
    options: { reason?: string | undefined; attempt?: number | undefined } = {},
    call?: CallOptions,
  ): Promise<TransitionOutcome> {
    return this.transition(delegationId, 'reject', { reason: options.reason, attempt: positiveInteger('attempt', options.attempt) }, call, true);
  }

  /**
   * The ledger's setStatus for what an agent or caller reports over HTTP: completed, failed,
   * rejected and cancelled, on their routes. Another status is the service's own to set.
   */
  async setStatus(delegationId: string, status: Status, options: SetStatusOptions = {}): Promise<TransitionOutcome> {
    const { attempt, resultPreview, errorDetail, retryable } = options;
    switch (status) {
      case 'completed':
        return this.complete(delegationId, { attempt, result: resultPreview });
      case 'failed':
        return this.fail(delegationId, { attempt, error: errorDetail, retryable });
      case 'rejected':
        return this.reject(delegationId, { attempt, reason: errorDetail });
      case 'cancelled':
        return this.cancel(delegationId, { reason: errorDetail });
      default:
        throw new InvalidInputError('status', `over HTTP only ${REPORTED.join(', ')} are reported; ${JSON.stringify(status)} is set by the service`);
    }
  }

  private async transition(delegationId: string, action: string, body: object, call: CallOptions | undefined, replaySafe: boolean): Promise<TransitionOutcome> {
    const id = pathId(delegationId);
    const request: Request = { method: 'POST', path: `/v1/delegations/${id}/${action}`, body, replaySafe, expect: [404, 409] };
    const answer = await send(this.settings, request, call);
    if (answer.status === 404) return { outcome: 'not_found', delegationId };
    if (answer.status === 409) return read(refusedAnswer, request, answer);
    return read(transitionAnswer, request, answer);
  }
}

function get(path: string): Request {
  return { method: 'GET', path, replaySafe: true, expect: [404] };
}

/** A delegation id as one path segment: checked as the ledger checks it, then encoded. */
function pathId(delegationId: string): string {
  return encodeURIComponent(requireId('delegationId', delegationId));
}

function isoDate(field: string, value: Date | string | number): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new InvalidInputError(field, 'must be a valid date');
  return date.toISOString();
}

/** What the ledger answers a beat for a delegation that does not exist. */
function notFoundBeat(): HeartbeatOutcome {
  return { outcome: 'not_found', stop: true, reason: 'not_found', heartbeatTimeoutMs: null, delegation: null, status: null, deadline: null, attempt: null };
}
