import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Sweeper } from '../../app/ledger-api.js';
import type { DelegationStore, Logger } from '../../app/ports.js';
import { EVENT_TYPES, IN_FLIGHT_STATUSES } from '../../domain/index.js';

export type DelegationMetrics = {
  readonly registry: Registry;
  readonly transitions: Counter<'type'>;
  readonly sweeps: Counter<'result'>;
  readonly sweepDuration: Histogram;
};

/** A registry of our own (not prom-client's global one), so a host's metrics and ours never collide. */
export function createMetrics(): DelegationMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const transitions = new Counter({
    name: 'delegations_transitions_total',
    help: 'Events appended to delegation streams by this process, by event type',
    labelNames: ['type'],
    registers: [registry],
  });
  // Zero-filled so rate() sees every series from the first scrape.
  for (const type of EVENT_TYPES) transitions.inc({ type }, 0);
  const sweeps = new Counter({ name: 'delegations_sweeps_total', help: 'Sweeps run by this process, by result', labelNames: ['result'], registers: [registry] });
  sweeps.inc({ result: 'ok' }, 0);
  const sweepDuration = new Histogram({
    name: 'delegations_sweep_duration_seconds',
    help: 'Time one sweep spent in the store',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return { registry, transitions, sweeps, sweepDuration };
}

/** Gauges read at scrape time from the sweeper and the store. */
export function observeLedger(metrics: DelegationMetrics, sources: { sweeper: Sweeper; store: DelegationStore; logger: Logger }): void {
  const { registry } = metrics;
  const { sweeper, store, logger } = sources;
  let failuresSeen = 0;
  // A sweep can fail before it reaches the store (the clock is a query too), so failures come from the sweeper's own count.
  metrics.sweeps.inc({ result: 'error' }, 0);
  new Gauge({
    name: 'delegations_last_sweep_timestamp_seconds',
    help: 'When the last sweep that reached the store ran (database clock)',
    registers: [registry],
    collect() {
      const failures = sweeper.failedSweeps;
      metrics.sweeps.inc({ result: 'error' }, failures - failuresSeen);
      failuresSeen = failures;
      if (sweeper.lastSweep !== null) this.set(sweeper.lastSweep.at.getTime() / 1000);
    },
  });
  new Gauge({
    name: 'delegations_in_flight',
    help: 'Delegations in flight, by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      try {
        const counts = await store.countByStatus();
        for (const status of IN_FLIGHT_STATUSES) this.set({ status }, counts[status]);
      } catch (error) {
        // A scrape during a database outage still answers; /healthz reports the outage.
        logger.warn({ err: error }, 'metrics: in-flight counts unavailable');
      }
    },
  });
}
