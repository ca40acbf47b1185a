import { performance } from 'node:perf_hooks';
import type { Delegation, DelegationEvent, GraceRules, SweepPolicy } from '../../domain/index.js';
import type { AppendRequest, ClaimRequest, Clock, DelegationStore, HeartbeatWrite, ListQuery, Logger, PruneCursor, SweepScope } from '../../app/ports.js';
import type { DelegationMetrics } from './metrics.js';

/**
 * The store port, decorated: counts every event written (by type) and times
 * every sweep, without the app layer knowing metrics exist. The wiring's
 * decorateStore puts it under every service (see meteredStore).
 */
export class MeteredStore implements DelegationStore {
  constructor(
    private readonly inner: DelegationStore,
    private readonly metrics: DelegationMetrics,
    private readonly logger: Logger,
  ) {}

  async insert(delegation: Delegation, event: DelegationEvent) {
    const result = await this.inner.insert(delegation, event);
    if (result.inserted) this.count([result.event]);
    return result;
  }

  async append(request: AppendRequest) {
    const written = await this.inner.append(request);
    this.count(written.events);
    return written;
  }

  async claim(request: ClaimRequest) {
    const claimed = await this.inner.claim(request);
    this.count(claimed.events);
    return claimed;
  }

  beginSweep(now: Date, rules: GraceRules) {
    return this.inner.beginSweep(now, rules);
  }

  async sweep(now: Date, policy: SweepPolicy, actor: string, scope?: SweepScope) {
    this.logger.debug({ at: now.toISOString(), staleRuleActive: policy.staleRuleActive }, 'sweep started');
    const started = performance.now();
    try {
      const tally = await this.inner.sweep(now, policy, actor, scope);
      this.count(tally.events);
      return tally;
    } finally {
      this.metrics.sweepDuration.observe((performance.now() - started) / 1000);
    }
  }

  recordHeartbeats(beats: readonly HeartbeatWrite[], now: Date) {
    return this.inner.recordHeartbeats(beats, now);
  }
  // Neither timed call writes an event: nothing to count.
  timedBy(clock: Clock) {
    return this.inner.timedBy?.(clock);
  }
  load(delegationId: string) {
    return this.inner.load(delegationId);
  }
  history(delegationId: string) {
    return this.inner.history(delegationId);
  }
  list(query: ListQuery) {
    return this.inner.list(query);
  }
  countByStatus() {
    return this.inner.countByStatus();
  }
  findDue(now: Date, policy: SweepPolicy) {
    return this.inner.findDue(now, policy);
  }
  scan(afterId: string | null, limit: number) {
    return this.inner.scan(afterId, limit);
  }
  pruneBatch(before: Date, limit: number, after: PruneCursor | null) {
    return this.inner.pruneBatch(before, limit, after);
  }
  pruneSurvey(before: Date) {
    return this.inner.pruneSurvey(before);
  }
  close() {
    return this.inner.close();
  }

  private count(events: readonly { readonly type: DelegationEvent['type'] }[]): void {
    for (const event of events) this.metrics.transitions.inc({ type: event.type });
  }
}

/** The decorateStore of a metered wiring. */
export function meteredStore(metrics: DelegationMetrics, logger: Logger): (store: DelegationStore) => DelegationStore {
  return (store) => new MeteredStore(store, metrics, logger);
}
