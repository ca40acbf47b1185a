import { describe, expect, it } from 'vitest';
import type { Sweeper } from '../../src/app/ledger-api.js';
import type { DelegationStore } from '../../src/app/ports.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { createMetrics } from '../../src/adapters/metrics/metrics.js';

const sweepsOf = async (text: Promise<string>, result: 'ok' | 'error') =>
  Number(new RegExp(`^delegations_sweeps_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(await text)?.[1]);

describe('delegations_sweeps_total', () => {
  it("counts each pass once, by the sweeper's own result, however often it is scraped", async () => {
    const metrics = createMetrics();
    const tallies = { sweepsRun: 0, failedSweeps: 0 };
    const sweeper = {
      lastSweep: null,
      get sweepsRun() {
        return tallies.sweepsRun;
      },
      get failedSweeps() {
        return tallies.failedSweeps;
      },
      rowsSkipped: 0,
    } as unknown as Sweeper;
    const store: DelegationStore = new MemoryDelegationStore();
    metrics.observe({ sweeper, store, logger: silentLogger });

    // A pass that reached the store and one that failed after it (an overrun): one of each, not two ok.
    Object.assign(tallies, { sweepsRun: 2, failedSweeps: 1 });
    expect(await sweepsOf(metrics.registry.metrics(), 'ok')).toBe(1);
    expect(await sweepsOf(metrics.registry.metrics(), 'error')).toBe(1);
    Object.assign(tallies, { sweepsRun: 5, failedSweeps: 1 });
    expect(await sweepsOf(metrics.registry.metrics(), 'ok')).toBe(4);
    expect(await sweepsOf(metrics.registry.metrics(), 'error')).toBe(1);
  });
});

describe('delegations_sweep_rows_skipped_total', () => {
  it("follows the sweeper's count of rows it could not move, once per row however often it is scraped", async () => {
    const metrics = createMetrics();
    const tallies = { rowsSkipped: 0 };
    const sweeper = {
      lastSweep: null,
      sweepsRun: 0,
      failedSweeps: 0,
      get rowsSkipped() {
        return tallies.rowsSkipped;
      },
    } as unknown as Sweeper;
    metrics.observe({ sweeper, store: new MemoryDelegationStore(), logger: silentLogger });
    const skipped = async () => Number(/^delegations_sweep_rows_skipped_total (\d+)$/m.exec(await metrics.registry.metrics())?.[1]);
    expect(await skipped()).toBe(0);
    tallies.rowsSkipped = 3;
    expect(await skipped()).toBe(3);
    expect(await skipped()).toBe(3);
    tallies.rowsSkipped = 4;
    expect(await skipped()).toBe(4);
  });
});
