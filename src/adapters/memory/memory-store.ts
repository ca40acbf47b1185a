import {
  assertNever,
  ConcurrencyError,
  decide,
  evolve,
  isInFlight,
  isTerminal,
  recordHeartbeat,
  STATUSES,
  sweepGrace,
  sweepVerdict,
  type Classification,
  type GraceRules,
  type SweepHistory,
  type Delegation,
  type DelegationCommand,
  type DelegationEvent,
  type Status,
  type StoredEvent,
  type SweepPolicy,
} from '../../domain/index.js';
import type {
  AppendRequest,
  ClaimRequest,
  ClaimResult,
  DelegationStore,
  DueDelegation,
  HeartbeatWrite,
  InsertResult,
  ListQuery,
  PruneBatch,
  PruneSurvey,
  StreamSnapshot,
  SweepScope,
  SweepStart,
  SweepTally,
} from '../../app/ports.js';
import { ChangeSignal } from '../../app/change-signal.js';
import { PositionLog } from './position-log.js';

export type MemoryStoreOptions = {
  /** The jitter draws of the sweeper's automatic retries, in [0, 1); seeded in simulations. Default Math.random. */
  readonly random?: (() => number) | undefined;
  /** Rows one sweep page moves at most (default: every due row in one page). */
  readonly sweepBatchSize?: number | undefined;
};

/**
 * The store in process memory, with the optimistic-concurrency behaviour of the
 * database adapters: every write is checked against the version it was decided on.
 * Each method's read-check-write runs without an await, so it is atomic here.
 */
export class MemoryDelegationStore implements DelegationStore {
  private readonly rows = new Map<string, Delegation>();
  // The sweep's partial index: sweeps cost the live rows, not the whole history.
  private readonly inFlight = new Set<string>();
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly idempotency = new Map<string, string>();
  /** Every event in position order, for subscribers: appended at the end, never sorted. */
  readonly log = new PositionLog();
  /** The durable subscriptions' checkpoints (the feed's), here so that prune can hold back at the lowest. */
  readonly checkpoints = new Map<string, number>();
  private position = 0;

  /** The last position written (0 when the log is empty). */
  get headPosition(): number {
    return this.position;
  }
  private sweeps: SweepHistory = { lastCompletedAt: null, graceFrom: null };
  private readonly random: () => number;
  private readonly sweepBatchSize: number;
  // Kept with every write, so counting costs nine numbers, not the whole history.
  private readonly counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
  /** Fires after every append, for subscribers in this process. */
  readonly appended = new ChangeSignal();

  constructor(options: MemoryStoreOptions = {}) {
    this.random = options.random ?? Math.random;
    this.sweepBatchSize = options.sweepBatchSize ?? Number.POSITIVE_INFINITY;
  }

  async insert(delegation: Delegation, event: DelegationEvent): Promise<InsertResult> {
    const existingId = this.rows.get(delegation.delegationId);
    if (existingId) return { inserted: false, conflict: 'delegation_id', existing: existingId };
    const key = idempotencyKey(delegation);
    const claimed = key === null ? undefined : this.idempotency.get(key);
    if (claimed !== undefined) return { inserted: false, conflict: 'idempotency_key', existing: this.rows.get(claimed) as Delegation };
    if (key !== null) this.idempotency.set(key, delegation.delegationId);
    this.put(delegation);
    const [stored] = this.appendEvents(delegation.delegationId, 0, [event]);
    return { inserted: true, delegation, event: stored as StoredEvent };
  }

  async append(request: AppendRequest): Promise<{ delegation: Delegation; events: StoredEvent[] }> {
    const current = this.rows.get(request.delegationId);
    if (current === undefined || current.version !== request.expectedVersion) {
      throw new ConcurrencyError(request.delegationId, request.expectedVersion);
    }
    const delegation = mergeHeartbeat(current, request.next);
    this.put(delegation);
    return { delegation, events: this.appendEvents(request.delegationId, current.version, request.events) };
  }

  async recordHeartbeats(beats: readonly HeartbeatWrite[], now: Date): Promise<Delegation[]> {
    const touched: Delegation[] = [];
    for (const beat of beats) {
      const row = this.rows.get(beat.delegationId);
      if (row === undefined || row.status !== 'in_progress') continue;
      if (beat.attempt !== undefined && beat.attempt !== row.attempt) continue;
      const updated = recordHeartbeat(row, now, beat.progress);
      this.put(updated);
      touched.push(updated);
    }
    return touched;
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const candidates = [...this.inFlight]
      .map((id) => this.rows.get(id) as Delegation)
      .filter((row) => row.status === 'queued' && row.calleeId === request.calleeId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.delegationId < b.delegationId ? -1 : 1));
    const delegations: Delegation[] = [];
    const events: StoredEvent[] = [];
    for (const row of candidates) {
      if (delegations.length >= request.limit) break;
      // Past its deadline it is the sweeper's to fail, not an agent's to start.
      if (row.deadline.getTime() < request.now.getTime()) continue;
      const decision = decide({ type: 'Dispatch', actor: request.actor }, row, request.now);
      if (decision.kind !== 'apply') continue;
      const next = decision.events.reduce(evolve, row);
      this.put(next);
      events.push(...this.appendEvents(row.delegationId, row.version, decision.events));
      delegations.push(next);
    }
    return { delegations, events };
  }

  async beginSweep(now: Date, rules: GraceRules): Promise<SweepStart> {
    const decided = sweepGrace(now, this.sweeps, rules);
    this.sweeps = { ...this.sweeps, graceFrom: decided.graceFrom };
    return decided;
  }

  async load(delegationId: string): Promise<Delegation | null> {
    return this.rows.get(delegationId) ?? null;
  }

  async history(delegationId: string): Promise<StoredEvent[]> {
    return [...(this.streams.get(delegationId) ?? [])];
  }

  async list(query: ListQuery): Promise<Delegation[]> {
    const { after } = query;
    return [...this.rows.values()]
      .filter((row) => query.statuses.includes(row.status) && matchesList(row, query) && (after === undefined || listOrder(after, row) < 0))
      .sort(listOrder)
      .slice(0, query.limit);
  }

  async countByStatus(): Promise<Record<Status, number>> {
    return { ...this.counts };
  }

  async findDue(now: Date, policy: SweepPolicy): Promise<DueDelegation[]> {
    const due: DueDelegation[] = [];
    for (const id of this.inFlight) {
      const row = this.rows.get(id) as Delegation;
      const verdict = sweepVerdict(now, row, policy);
      if (verdict.kind !== 'healthy') due.push({ delegationId: row.delegationId, verdict });
    }
    return due;
  }

  async sweep(now: Date, policy: SweepPolicy, actor: string, scope: SweepScope = {}): Promise<SweepTally> {
    const only = scope.only === undefined ? null : new Set(scope.only);
    const exclude = new Set(scope.exclude ?? []);
    const inScope = (await this.findDue(now, policy)).filter(({ delegationId }) => (only === null || only.has(delegationId)) && !exclude.has(delegationId));
    const due = inScope.slice(0, this.sweepBatchSize);
    const events: StoredEvent[] = [];
    const moved = { deadline_exceeded: 0, stale_heartbeat: 0, requeue_stuck: 0, retries_exhausted: 0 };
    for (const { delegationId, verdict } of due) {
      const row = this.rows.get(delegationId) as Delegation;
      const decision = decide(this.sweepCommand(verdict, actor), row, now);
      if (decision.kind !== 'apply') continue;
      this.put(decision.events.reduce(evolve, row));
      events.push(...this.appendEvents(delegationId, row.version, decision.events));
      moved[verdict.kind] += 1;
    }
    const last = this.sweeps.lastCompletedAt;
    this.sweeps = { ...this.sweeps, lastCompletedAt: last !== null && last > now ? last : now };
    return {
      deadlineFailures: moved.deadline_exceeded,
      stuckMarked: moved.stale_heartbeat,
      requeued: moved.requeue_stuck,
      retriesExhausted: moved.retries_exhausted,
      scanned: due.length,
      events,
      more: inScope.length > due.length,
    };
  }

  private sweepCommand(verdict: Exclude<Classification, { kind: 'healthy' }>, actor: string): DelegationCommand {
    switch (verdict.kind) {
      case 'deadline_exceeded':
      case 'retries_exhausted':
        return { type: 'Fail', error: verdict.detail, actor };
      case 'stale_heartbeat':
        return { type: 'MarkStuck', detail: verdict.detail, silentForMs: verdict.silentForMs, actor };
      case 'requeue_stuck':
        return { type: 'Requeue', reason: 'stuck', sample: this.random(), actor };
      default:
        return assertNever(verdict);
    }
  }

  async scan(afterId: string | null, limit: number): Promise<StreamSnapshot[]> {
    return [...this.rows.keys()]
      .filter((id) => afterId === null || id > afterId)
      .sort()
      .slice(0, limit)
      .map((id) => ({ delegation: this.rows.get(id) as Delegation, events: this.streams.get(id) ?? [] }));
  }

  /** Each batch looks at every row (no index here), so it needs no cursor: nothing it skips is ever locked. */
  async pruneBatch(before: Date, limit: number): Promise<PruneBatch> {
    const floor = this.retentionFloor();
    const gone = new Set<string>();
    let events = 0;
    let last: Delegation | null = null;
    for (const row of this.rows.values()) {
      if (gone.size >= limit) break;
      if (!this.isDue(row, before)) continue;
      const stream = this.streams.get(row.delegationId) ?? [];
      if (lastPosition(stream) > floor) continue;
      gone.add(row.delegationId);
      events += stream.length;
      last = row;
    }
    for (const id of gone) this.forget(id);
    this.log.remove(gone);
    const more = gone.size === limit;
    return { delegations: gone.size, events, more, next: more && last !== null ? { updatedAt: last.updatedAt, delegationId: last.delegationId } : null };
  }

  async pruneSurvey(before: Date): Promise<PruneSurvey> {
    const floor = this.retentionFloor();
    let delegations = 0;
    let events = 0;
    let newest = 0;
    for (const row of this.rows.values()) {
      if (!this.isDue(row, before)) continue;
      const stream = this.streams.get(row.delegationId) ?? [];
      const last = lastPosition(stream);
      newest = Math.max(newest, last);
      if (last > floor) continue;
      delegations += 1;
      events += stream.length;
    }
    const heldBackBy = [...this.checkpoints]
      .filter(([, position]) => position < newest)
      .map(([subscription, position]) => ({ subscription, position }))
      .sort((a, b) => a.position - b.position || (a.subscription < b.subscription ? -1 : 1));
    return { delegations, events, heldBackBy };
  }

  async close(): Promise<void> {}

  /** Every event in global order after `afterPosition` (for folds and subscribers). */
  eventsAfter(afterPosition: number, limit: number): StoredEvent[] {
    return this.log.after(afterPosition, limit);
  }

  /** The lowest checkpoint: no event past it may go. */
  private retentionFloor(): number {
    return Math.min(Number.POSITIVE_INFINITY, ...this.checkpoints.values());
  }

  private isDue(row: Delegation, before: Date): boolean {
    return isTerminal(row.status) && row.updatedAt.getTime() < before.getTime();
  }

  private forget(delegationId: string): void {
    const row = this.rows.get(delegationId) as Delegation;
    const key = idempotencyKey(row);
    if (key !== null && this.idempotency.get(key) === delegationId) this.idempotency.delete(key);
    this.rows.delete(delegationId);
    this.streams.delete(delegationId);
  }

  private put(row: Delegation): void {
    const previous = this.rows.get(row.delegationId);
    if (previous !== undefined) this.counts[previous.status] -= 1;
    this.counts[row.status] += 1;
    this.rows.set(row.delegationId, row);
    if (isInFlight(row.status)) this.inFlight.add(row.delegationId);
    else this.inFlight.delete(row.delegationId);
  }

  private appendEvents(delegationId: string, fromVersion: number, events: readonly DelegationEvent[]): StoredEvent[] {
    const stream = this.streams.get(delegationId) ?? [];
    const stored = events.map((event, index) => ({ ...event, version: fromVersion + index + 1, position: ++this.position }) as StoredEvent);
    stream.push(...stored);
    this.streams.set(delegationId, stream);
    this.log.append(stored);
    if (stored.length > 0) this.appended.notify();
    return stored;
  }
}

/** Heartbeats are not versioned: a beat recorded after the decision was read must survive the write. */
function mergeHeartbeat(current: Delegation, next: Delegation): Delegation {
  if (current.attempt !== next.attempt) return next;
  const later = (a: Date | null, b: Date | null) => (a === null ? b : b === null || a > b ? a : b);
  const progress = current.progress === null ? next.progress : Math.max(current.progress, next.progress ?? current.progress);
  return { ...next, lastHeartbeat: later(current.lastHeartbeat, next.lastHeartbeat), progress };
}

function lastPosition(stream: readonly StoredEvent[]): number {
  return stream.at(-1)?.position ?? 0;
}

function idempotencyKey(delegation: Delegation): string | null {
  return delegation.idempotencyKey === null ? null : `${delegation.callerId}\u0000${delegation.idempotencyKey}`;
}

/** List order: newest first, ties by id (ascending). */
function listOrder(a: Pick<Delegation, 'createdAt' | 'delegationId'>, b: Pick<Delegation, 'createdAt' | 'delegationId'>): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || a.delegationId.localeCompare(b.delegationId);
}

function matchesList(row: Delegation, { callerId, calleeId, createdAfter, createdBefore }: ListQuery): boolean {
  const created = row.createdAt.getTime();
  return (
    (callerId === undefined || row.callerId === callerId) &&
    (calleeId === undefined || row.calleeId === calleeId) &&
    (createdAfter === undefined || created > createdAfter.getTime()) &&
    (createdBefore === undefined || created < createdBefore.getTime())
  );
}
