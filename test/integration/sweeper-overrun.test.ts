import { Container } from 'inversify';
import { afterEach, describe, expect, it } from 'vitest';
import type { SweepPolicy } from '../../src/domain/index.js';
import type { SweepTally } from '../../src/app/ports.js';
import { configModule } from '../../src/app/config-module.js';
import { servicesModule } from '../../src/app/services-module.js';
import { TOKENS } from '../../src/app/tokens.js';
import { memoryModule } from '../../src/adapters/memory/memory-module.js';
import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { recordingLogger, T0 } from '../support/memory.js';

/** A store whose sweeps stall until released: what a frozen database looks like to the sweeper. */
class StallingStore extends MemoryDelegationStore {
  private releases: (() => void)[] = [];
  calls = 0;
  override async sweep(now: Date, policy: SweepPolicy, actor: string): Promise<SweepTally> {
    this.calls += 1;
    await new Promise<void>((resolve) => this.releases.push(resolve));
    return super.sweep(now, policy, actor);
  }
  release(): void {
    for (const release of this.releases.splice(0)) release();
  }
}

const stores: StallingStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.release();
});

function sweeperOn(store: StallingStore, sweepIntervalMs: number) {
  stores.push(store);
  const logger = recordingLogger();
  const container = new Container();
  container.load(configModule({ sweepIntervalMs }, logger, {}), memoryModule({ clock: new VirtualClock(T0), store }), servicesModule);
  return { sweeper: container.get(TOKENS.Sweeper), logger };
}

describe('a sweep that overruns its interval', () => {
  it('resolves as failed and is counted once, however it ends later', async () => {
    const store = new StallingStore();
    const { sweeper, logger } = sweeperOn(store, 30);
    expect(await sweeper.sweep()).toEqual({ deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0, errors: 1, scanned: 0, skipped: [] });
    expect(sweeper.failedSweeps).toBe(1);
    expect(logger.lines.map((line) => line.message)).toContain('sweep overran its interval; counted as failed');
    store.release();
    // stop() waits for the store call still in flight; its late end is not counted again.
    await sweeper.stop();
    expect(sweeper.failedSweeps).toBe(1);
  });

  it('holds the loop back while it still runs: the next turn is counted as failed, no second sweep starts', async () => {
    const store = new StallingStore();
    const { sweeper } = sweeperOn(store, 20);
    await sweeper.start();
    while (sweeper.failedSweeps < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(store.calls).toBe(1);
    store.release();
    await sweeper.stop();
  });
});
