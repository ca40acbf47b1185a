import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Sweeper } from '../../app/ledger-api.js';
import type { DelegationStore, Logger } from '../../app/ports.js';
import { EVENT_TYPES, IN_FLIGHT_STATUSES } from '../../domain/index.js';

export type MetricSources = { readonly sweeper: Sweeper; readonly store: DelegationStore; readonly logger: Logger };

export type DelegationMetrics = {
  readonly registry: Registry;
  readonly transitions: Counter<'type'>;
  readonly sweepDuration: Histogram;
  /** What the scrape-time metrics read; until then they report nothing (the store is still opening). */
  observe(sources: MetricSources): void;
};

/** A registry of our own (not prom-client's global one), so a host's metrics and ours never collide. */
export function createMetrics(): DelegationMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let sources: MetricSources | null = null;
  const transitions = new Counter({
    name: 'delegations_transitions_total',
    help: 'Events appended to delegation streams by this process, by event type',
    labelNames: ['type'],
    registers: [registry],
  });
  // Zero-filled so rate() sees every series from the first scrape.
  for (const type of EVENT_TYPES) transitions.inc({ type }, 0);
  let seen = { ok: 0, error: 0 };
  const sweeps = new Counter({
    name: 'delegations_sweeps_total',
    help: 'Sweeps run by this process, by result',
    labelNames: ['result'],
    registers: [registry],
    // Counted here only, from the sweeper's own tallies: a sweep can fail before it reaches the
    // store (the database clock is a query too) or after it (an overrun), so the store cannot tell.
    collect() {
      if (sources === null) return;
      const { sweepsRun, failedSweeps } = sources.sweeper;
      const now = { ok: sweepsRun - failedSweeps, error: failedSweeps };
      this.inc({ result: 'ok' }, now.ok - seen.ok);
      this.inc({ result: 'error' }, now.error - seen.error);
      seen = now;
    },
  });
  sweeps.inc({ result: 'ok' }, 0);
  sweeps.inc({ result: 'error' }, 0);
  let skippedSeen = 0;
  new Counter({
    name: 'delegations_sweep_rows_skipped_total',
    help: 'Due delegations a sweep of this process could not move (the database refused them); each is tried again by the next sweep',
    registers: [registry],
    collect() {
      if (sources === null) return;
      const now = sources.sweeper.rowsSkipped;
      this.inc(now - skippedSeen);
      skippedSeen = now;
    },
  });
  const sweepDuration = new Histogram({
    name: 'delegations_sweep_duration_seconds',
    help: 'Time one sweep statement (a page of due rows, or a part of a refused page) spent in the store',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'delegations_last_sweep_timestamp_seconds',
    help: 'When the last sweep that reached the store ran (database clock)',
    registers: [registry],
    collect() {
      const last = sources?.sweeper.lastSweep;
      if (last) this.set(last.at.getTime() / 1000);
    },
  });
  new Gauge({
    name: 'delegations_in_flight',
    help: 'Delegations in flight, by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      if (sources === null) return;
      try {
        const counts = await sources.store.countByStatus();
        for (const status of IN_FLIGHT_STATUSES) this.set({ status }, counts[status]);
      } catch (error) {
        // A scrape during a database outage still answers; /healthz reports the outage.
        sources.logger.warn({ err: error }, 'metrics: in-flight counts unavailable');
      }
    },
  });
  return {
    registry,
    transitions,
    sweepDuration,
    observe: (s) => {
      sources = s;
    },
  };
}
