import {
  ConcurrencyError,
  decide,
  evolve,
  isInFlight,
  recordHeartbeat,
  STATUSES,
  sweepVerdict,
  type Delegation,
  type DelegationCommand,
  type DelegationEvent,
  type Status,
  type StoredEvent,
  type SweepPolicy,
} from '../../domain/index.js';
import type { AppendRequest, DelegationStore, DueDelegation, HeartbeatWrite, InsertResult, ListQuery, StreamSnapshot, SweepTally } from '../../app/ports.js';
import { ChangeSignal } from '../../app/change-signal.js';

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
  private position = 0;
  /** Fires after every append, for subscribers in this process. */
  readonly appended = new ChangeSignal();

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

  async load(delegationId: string): Promise<Delegation | null> {
    return this.rows.get(delegationId) ?? null;
  }

  async history(delegationId: string): Promise<StoredEvent[]> {
    return [...(this.streams.get(delegationId) ?? [])];
  }

  async list(query: ListQuery): Promise<Delegation[]> {
    return [...this.rows.values()]
      .filter((row) => query.statuses.includes(row.status))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a.delegationId.localeCompare(b.delegationId))
      .slice(0, query.limit);
  }

  async countByStatus(): Promise<Record<Status, number>> {
    const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
    for (const row of this.rows.values()) counts[row.status] += 1;
    return counts;
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

  async sweep(now: Date, policy: SweepPolicy, actor: string): Promise<SweepTally> {
    const due = await this.findDue(now, policy);
    const events: StoredEvent[] = [];
    for (const { delegationId, verdict } of due) {
      const row = this.rows.get(delegationId) as Delegation;
      const command: DelegationCommand =
        verdict.kind === 'deadline_exceeded'
          ? { type: 'Fail', error: verdict.detail, actor }
          : { type: 'MarkStuck', detail: verdict.detail, silentForMs: verdict.silentForMs, actor };
      const decision = decide(command, row, now);
      if (decision.kind !== 'apply') continue;
      this.put(decision.events.reduce(evolve, row));
      events.push(...this.appendEvents(delegationId, row.version, decision.events));
    }
    const count = (type: string) => events.filter((event) => event.type === type).length;
    return { deadlineFailures: count('failed'), stuckMarked: count('marked_stuck'), scanned: due.length, events };
  }

  async scan(afterId: string | null, limit: number): Promise<StreamSnapshot[]> {
    return [...this.rows.keys()]
      .filter((id) => afterId === null || id > afterId)
      .sort()
      .slice(0, limit)
      .map((id) => ({ delegation: this.rows.get(id) as Delegation, events: this.streams.get(id) ?? [] }));
  }

  async close(): Promise<void> {}

  /** Every event in global order after `afterPosition` (for folds and subscribers). */
  eventsAfter(afterPosition: number, limit: number): StoredEvent[] {
    const all = [...this.streams.values()].flat().sort((a, b) => a.position - b.position);
    return all.filter((event) => event.position > afterPosition).slice(0, limit);
  }

  private put(row: Delegation): void {
    this.rows.set(row.delegationId, row);
    if (isInFlight(row.status)) this.inFlight.add(row.delegationId);
    else this.inFlight.delete(row.delegationId);
  }

  private appendEvents(delegationId: string, fromVersion: number, events: readonly DelegationEvent[]): StoredEvent[] {
    const stream = this.streams.get(delegationId) ?? [];
    const stored = events.map((event, index) => ({ ...event, version: fromVersion + index + 1, position: ++this.position }) as StoredEvent);
    stream.push(...stored);
    this.streams.set(delegationId, stream);
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

function idempotencyKey(delegation: Delegation): string | null {
  return delegation.idempotencyKey === null ? null : `${delegation.callerId}\u0000${delegation.idempotencyKey}`;
}
