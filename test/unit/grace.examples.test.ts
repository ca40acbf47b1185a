import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { memoryModule } from '../../src/adapters/memory/memory-module.js';
import { MemoryDelegationStore } from '../../src/adapters/memory/memory-store.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { loadDelegations, type WiredDelegations } from '../../src/wiring.js';
import { MINUTE, SECOND, T0 } from '../support/memory.js';

const THRESHOLD = 10 * MINUTE;
const CRON = 5 * MINUTE;

/**
 * Several sweepers on one ledger, each wired afresh as a cron job or a new replica would be:
 * grace is the store's, so what one sweeper did is what the next one sees.
 */
function fleet() {
  const store = new MemoryDelegationStore();
  const clock = new VirtualClock(T0);
  const wire = (): WiredDelegations =>
    loadDelegations(new Container(), {
      adapter: memoryModule({ store, clock }),
      config: { stuckThresholdMs: THRESHOLD, sweepIntervalMs: CRON },
      logger: silentLogger,
      env: {},
    });
  return { clock, wire, first: wire() };
}

async function silentAgent(d: WiredDelegations, id: string): Promise<void> {
  await d.ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'work', delegationId: id });
  await d.ledger.setStatus(id, 'in_progress');
}

describe('grace only after a real outage', () => {
  it('a cron job that wires a fresh sweeper every period marks a silent agent stuck on time', async () => {
    const { clock, wire, first } = fleet();
    // The cron has been running: its sweeps are in the ledger's history.
    for (let i = 0; i < 3; i += 1, clock.advance(CRON)) await wire().sweeper.sweep();
    await silentAgent(first, 'd1');
    let marked: number | null = null;
    for (let elapsed = 0; marked === null && elapsed <= 2 * THRESHOLD; elapsed += CRON) {
      const result = await wire().sweeper.sweep();
      if (result.stuckMarked === 1) marked = elapsed;
      clock.advance(CRON);
    }
    // Silent for more than the threshold at the first cron run past it: 15 minutes, not a grace later.
    expect(marked).toBe(15 * MINUTE);
  });

  it('a replica that joins a running fleet applies the stale rule at once', async () => {
    const { clock, wire, first } = fleet();
    // A sweeper running since T0, every five minutes; an agent goes silent at 20 minutes.
    for (let minute = 0; minute <= 30; minute += 5) {
      if (minute === 20) await silentAgent(first, 'd1');
      expect(await first.sweeper.sweep()).toMatchObject({ stuckMarked: 0 });
      if (minute < 30) clock.advance(CRON);
    }
    // A second past the agent's threshold a replica starts and sweeps first: it owes nobody grace.
    clock.advance(SECOND);
    expect(await wire().sweeper.sweep()).toMatchObject({ stuckMarked: 1 });
  });

  it('after an outage longer than the gap, every sweeper holds the stale rule back for one grace period', async () => {
    const { clock, wire, first } = fleet();
    await first.sweeper.sweep();
    clock.advance(THRESHOLD);
    await first.sweeper.sweep();
    await silentAgent(first, 'd1');
    // The platform is down: nothing sweeps, nothing beats, for longer than the gap.
    clock.advance(3 * THRESHOLD);
    const sweepers = [first, wire(), wire()];
    for (const d of sweepers) expect(await d.sweeper.sweep()).toMatchObject({ stuckMarked: 0 });
    clock.advance(THRESHOLD - SECOND);
    for (const d of sweepers) expect(await d.sweeper.sweep()).toMatchObject({ stuckMarked: 0 });
    clock.advance(SECOND);
    expect(await wire().sweeper.sweep()).toMatchObject({ stuckMarked: 1 });
  });
});
