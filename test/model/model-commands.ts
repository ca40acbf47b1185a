import type fc from 'fast-check';
import { expect } from 'vitest';
import type { Delegations } from '../../src/delegations.js';
import { DelegationNotFoundError, fold, InvalidInputError, type Delegation, type Status, WaitTimeoutError } from '../../src/domain/index.js';
import type { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { withoutHeartbeat } from '../support/memory.js';
import { isTerminal, type Item, TERMINAL, type LedgerModel, MODEL_THRESHOLD_MS, named, pick, type Policy, STATUSES } from './model.js';
import { beat, claim, dispatch, end, fail, operatorRetry, requestInput, resume, start, stopOf, sweep } from './model-rules.js';

/** The part of a Delegations the model drives, whatever wired it. */
export type ModelDelegations = Pick<Delegations, 'ledger' | 'sweeper' | 'close'>;
export type LedgerReal = { readonly d: ModelDelegations; readonly clock: VirtualClock };
export type Cmd = fc.AsyncCommand<LedgerModel, LedgerReal>;

const at = (ms: number | null) => (ms === null ? null : new Date(ms));

export function agrees(actual: Delegation | null, item: Item): void {
  expect(actual, item.id).not.toBeNull();
  const d = actual as Delegation;
  expect({
    id: d.delegationId,
    calleeId: d.calleeId,
    status: d.status,
    attempt: d.attempt,
    version: d.version,
    detail: d.status === 'completed' ? d.resultPreview : d.errorDetail,
    deadline: d.deadline,
    availableAt: d.availableAt,
    updatedAt: d.updatedAt,
  }).toEqual({
    id: item.id,
    calleeId: item.calleeId,
    status: item.status,
    attempt: item.attempt,
    version: item.version,
    detail: item.detail,
    deadline: at(item.deadline),
    availableAt: at(item.availableAt),
    updatedAt: at(item.changedAt),
  });
}

/** The log never contradicts the projection: versions 1..n, at most one terminal event, nothing but a detail fill after it. */
async function historyHolds(r: LedgerReal, item: Item): Promise<void> {
  const history = await r.d.ledger.history(item.id);
  expect(history.map((e) => e.version)).toEqual(history.map((_, i) => i + 1));
  const firstTerminal = history.findIndex((e) => e.type !== 'detail_recorded' && isTerminal(e.toStatus));
  if (firstTerminal >= 0) expect(history.slice(firstTerminal + 1).every((e) => e.type === 'detail_recorded')).toBe(true);
  for (let i = 1; i < history.length; i += 1) expect(history[i]!.position).toBeGreaterThan(history[i - 1]!.position);
  // Attempt n+1 opens only with a requeued event, one per attempt.
  expect(history.filter((e) => e.type === 'requeued').map((e) => e.attempt)).toEqual(Array.from({ length: item.attempt - 1 }, (_, i) => i + 2));
  // The projection is the fold of the log, heartbeat-only fields aside (beats are not events).
  const row = await r.d.ledger.get(item.id);
  expect(withoutHeartbeat(fold(history) as Delegation)).toEqual(withoutHeartbeat(row as Delegation));
}

export abstract class OnDelegation implements Cmd {
  constructor(readonly index: number) {}
  check(m: Readonly<LedgerModel>): boolean {
    return m.items.length > 0;
  }
  abstract run(m: LedgerModel, r: LedgerReal): Promise<void>;
  abstract toString(): string;
}

/** The retry option of a create: left out (the configured default), null (none), or some fields of a policy. */
export type RetryArg = { readonly kind: 'absent' } | { readonly kind: 'none' } | { readonly kind: 'given'; readonly fields: Partial<Policy> & { jitter: 0 } };

/** A policy given in part completed the way docs/domain.md says: DEFAULT_RETRY_POLICY's values, copied by hand. */
function completed(fields: Partial<Policy> & { jitter: 0 }): Policy {
  const initialDelayMs = fields.initialDelayMs ?? 1_000;
  return {
    maxAttempts: fields.maxAttempts ?? 3,
    initialDelayMs,
    backoffFactor: fields.backoffFactor ?? 2,
    maxDelayMs: fields.maxDelayMs ?? Math.max(300_000, initialDelayMs),
    jitter: 0,
    requeueStuckAfterMs: fields.requeueStuckAfterMs === undefined ? 60_000 : fields.requeueStuckAfterMs,
  };
}

export class CreateCmd implements Cmd {
  constructor(
    readonly deadlineInMs: number,
    readonly timeoutMs: number | null,
    readonly calleeId: string,
    readonly retry: RetryArg,
  ) {}
  check = () => true;
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const n = m.items.length;
    // Padded, so id order is creation order in every collation.
    const id = `d${String(n).padStart(3, '0')}`;
    const policy = this.retry.kind === 'absent' ? m.defaultRetry : this.retry.kind === 'none' ? null : completed(this.retry.fields);
    const item: Item = {
      id,
      key: `k${n}`,
      calleeId: this.calleeId,
      createdAt: m.now,
      deadline: m.now + this.deadlineInMs,
      timeoutMs: this.timeoutMs,
      policy,
      status: 'queued',
      attempt: 1,
      version: 1,
      changedAt: m.now,
      lastSign: null,
      availableAt: null,
      detail: null,
    };
    const created = await r.d.ledger.create({
      callerId: 'caller',
      calleeId: this.calleeId,
      task: `task ${n}`,
      delegationId: item.id,
      idempotencyKey: item.key,
      deadline: new Date(item.deadline),
      heartbeatTimeoutMs: this.timeoutMs ?? undefined,
      ...(this.retry.kind === 'absent' ? {} : { retry: this.retry.kind === 'none' ? null : this.retry.fields }),
    });
    m.items.push(item);
    agrees(created, item);
    expect(created.retry).toEqual(policy);
  }
  toString = () => `create(deadline +${this.deadlineInMs}ms, timeout ${this.timeoutMs}, ${this.calleeId}, retry ${JSON.stringify(this.retry)})`;
}

export class RepeatCreateCmd extends OnDelegation {
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const item = pick(m, this.index);
    const again = await r.d.ledger.create({
      callerId: 'caller',
      calleeId: item.calleeId,
      task: 'again',
      idempotencyKey: item.key,
      deadline: new Date(m.now + 3_600_000),
    });
    agrees(again, item);
    expect(Object.values(await r.d.ledger.stats()).reduce((a, b) => a + b, 0)).toBe(m.items.length);
  }
  toString = () => `repeatCreate(#${this.index})`;
}

export type Target = 'dispatched' | 'in_progress' | 'input_required' | 'completed' | 'failed' | 'cancelled' | 'rejected';

/** setStatus, the ledger's general entry point; a cancel without an attempt goes through cancel(). */
export class SetStatusCmd extends OnDelegation {
  constructor(
    index: number,
    readonly to: Target,
    readonly attemptOffset: number | undefined,
    readonly detail: string | undefined,
    readonly retryable = false,
  ) {
    super(index);
  }
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const item = pick(m, this.index);
    const attempt = named(item, this.attemptOffset);
    const detail = this.detail ?? null;
    const expected = this.decide(m, item, attempt, detail);
    const ledger = r.d.ledger;
    const outcome =
      this.to === 'cancelled' && attempt === undefined
        ? await ledger.cancel(item.id, { reason: this.detail })
        : await ledger.setStatus(item.id, this.to, {
            attempt,
            ...(this.to === 'completed' ? { resultPreview: this.detail } : { errorDetail: this.detail }),
            ...(this.retryable ? { retryable: true } : {}),
          });
    expect(outcome).toMatchObject(expected);
    agrees(await ledger.get(item.id), item);
  }
  private decide(m: LedgerModel, item: Item, attempt: number | undefined, detail: string | null) {
    switch (this.to) {
      case 'dispatched':
        return dispatch(m, item, attempt);
      case 'in_progress':
        return start(m, item, attempt);
      case 'input_required':
        return requestInput(m, item, attempt, detail);
      case 'failed':
        return fail(m, item, attempt, detail, this.retryable);
      default:
        return end(m, item, this.to, attempt, detail);
    }
  }
  toString = () =>
    `${this.to}${this.retryable ? '(retryable)' : ''}(#${this.index}, attempt ${this.attemptOffset ?? '-'}, detail ${JSON.stringify(this.detail)})`;
}

export class HeartbeatCmd extends OnDelegation {
  constructor(
    index: number,
    readonly attemptOffset: number | undefined,
  ) {
    super(index);
  }
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const item = pick(m, this.index);
    const attempt = named(item, this.attemptOffset);
    const expected = beat(m, item, attempt);
    const outcome = await r.d.ledger.heartbeat(item.id, { attempt });
    // The answer is the agent's control channel: go on or stop and why, with its budget.
    expect(outcome).toMatchObject({
      outcome: expected.outcome,
      ...stopOf(item, expected),
      status: item.status,
      attempt: item.attempt,
      deadline: new Date(item.deadline),
      ...(expected.outcome === 'refused' ? { refusal: { reason: expected.reason } } : {}),
    });
    agrees(await r.d.ledger.get(item.id), item);
  }
  toString = () => `heartbeat(#${this.index}, attempt ${this.attemptOffset ?? '-'})`;
}

export class RetryCmd extends OnDelegation {
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const item = pick(m, this.index);
    expect(await r.d.ledger.retry(item.id)).toMatchObject(operatorRetry(m, item));
    agrees(await r.d.ledger.get(item.id), item);
  }
  toString = () => `retry(#${this.index})`;
}

/** The agent's own entry points for issue 13: requestInput and reject; the caller's resume. */
export class AgentCmd extends OnDelegation {
  constructor(
    index: number,
    readonly op: 'requestInput' | 'reject' | 'resume',
    readonly attemptOffset: number | undefined,
    readonly text: string | undefined,
  ) {
    super(index);
  }
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const item = pick(m, this.index);
    const attempt = named(item, this.attemptOffset);
    const ledger = r.d.ledger;
    if (this.op === 'resume') {
      const expected = resume(m, item);
      expect(await ledger.resume(item.id, { answer: this.text })).toMatchObject(expected);
    } else if (this.op === 'reject') {
      const expected = end(m, item, 'rejected', attempt, this.text ?? null);
      expect(await ledger.reject(item.id, { reason: this.text, attempt })).toMatchObject(expected);
    } else {
      const question = this.text ?? 'which one?';
      const expected = requestInput(m, item, attempt, question);
      expect(await ledger.requestInput(item.id, { question, attempt })).toMatchObject(expected);
    }
    agrees(await ledger.get(item.id), item);
  }
  toString = () => `${this.op}(#${this.index}, attempt ${this.attemptOffset ?? '-'}, ${JSON.stringify(this.text)})`;
}

export class ClaimCmd implements Cmd {
  constructor(
    readonly calleeId: string,
    readonly limit: number,
  ) {}
  check = () => true;
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const expected = claim(m, this.calleeId, this.limit);
    const claimed = await r.d.ledger.claim({ calleeId: this.calleeId, limit: this.limit });
    expect(claimed.map((d) => d.delegationId)).toEqual(expected.map((item) => item.id));
    claimed.forEach((d, i) => agrees(d, expected[i]!));
  }
  toString = () => `claim(${this.calleeId}, ${this.limit})`;
}

export class AdvanceCmd implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    m.now += this.ms;
    r.clock.advance(this.ms);
  }
  toString = () => `advance(${this.ms}ms)`;
}

export type Edge = 'deadline' | 'silence' | 'available' | 'requeue';

/** Moves the clock onto an edge of one delegation, or one ms past it: its deadline, the end of its silence allowance, backoff or stuck window. */
export class AdvanceToEdgeCmd extends OnDelegation {
  constructor(
    index: number,
    readonly edge: Edge,
    readonly past: 0 | 1,
  ) {
    super(index);
  }
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const edge = edgeOf(pick(m, this.index), this.edge);
    if (edge === null || edge + this.past <= m.now) return;
    await new AdvanceCmd(edge + this.past - m.now).run(m, r);
  }
  toString = () => `advanceTo(#${this.index} ${this.edge}${this.past ? ' + 1ms' : ''})`;
}

function edgeOf(item: Item, edge: Edge): number | null {
  switch (edge) {
    case 'deadline':
      return item.deadline;
    case 'silence':
      return item.lastSign === null ? null : item.lastSign + (item.timeoutMs ?? MODEL_THRESHOLD_MS);
    case 'available':
      return item.status === 'queued' ? item.availableAt : null;
    case 'requeue': {
      const after = item.policy?.requeueStuckAfterMs ?? null;
      return item.status === 'stuck' && after !== null ? item.changedAt + after : null;
    }
  }
}

export class SweepCmd implements Cmd {
  check = () => true;
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const expected = sweep(m);
    // No row of the model's is ever refused by the store: nothing is skipped.
    expect(await r.d.sweeper.sweep()).toEqual({ ...expected, skipped: [] });
    for (const item of m.items) {
      agrees(await r.d.ledger.get(item.id), item);
      await historyHolds(r, item);
    }
    const counts = Object.fromEntries(STATUSES.map((status) => [status, m.items.filter((item) => item.status === status).length]));
    expect(await r.d.ledger.stats()).toEqual(counts);
  }
  toString = () => 'sweep()';
}

/** Lets a wrongly settled promise settle before the clock moves (on memory, where a row loads within a turn). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * waitFor, kept deterministic: at once when the delegation is already in a status it waits for;
 * a timeout once the clock passed it otherwise; a wait woken by a cancel in the same command;
 * bad input and unknown ids refused by name.
 */
export class WaitForCmd extends OnDelegation {
  constructor(
    index: number,
    readonly kind: 'timeout' | 'cancel' | 'zero' | 'missing',
    readonly until: readonly Status[] | undefined,
    readonly timeoutMs: number,
  ) {
    super(index);
  }
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const item = pick(m, this.index);
    const ledger = r.d.ledger;
    const options = { timeoutMs: this.timeoutMs, ...(this.until === undefined ? {} : { until: this.until }) };
    if (this.kind === 'zero') {
      const refusal = ledger.waitFor(item.id, { ...options, timeoutMs: 0 });
      await expect(refusal).rejects.toBeInstanceOf(InvalidInputError);
      await expect(refusal).rejects.toMatchObject({ field: 'timeoutMs' });
      return;
    }
    if (this.kind === 'missing') {
      await expect(ledger.waitFor(`${item.id}-none`, options)).rejects.toBeInstanceOf(DelegationNotFoundError);
      return;
    }
    const targets = [...TERMINAL, ...(this.until ?? [])];
    const waiting = ledger.waitFor(item.id, this.kind === 'cancel' ? { until: this.until } : options);
    if (targets.includes(item.status)) return agrees(await waiting, item);
    if (this.kind === 'cancel') {
      const cancelled = end(m, item, 'cancelled', undefined, 'no longer needed');
      expect(await ledger.cancel(item.id, { reason: 'no longer needed' })).toMatchObject(cancelled);
      return agrees(await waiting, item);
    }
    const settled = waiting.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await turn();
    await new AdvanceCmd(this.timeoutMs).run(m, r);
    const error = await settled;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({ delegationId: item.id, timeoutMs: this.timeoutMs });
  }
  toString = () => `waitFor(#${this.index}, ${this.kind}, until ${JSON.stringify(this.until)}, ${this.timeoutMs}ms)`;
}
