import { BUILT_IN_PROFILES, planFleet, runSetting } from '../src/simulator/index.js';
import type { BenchContext } from './lib/context.js';
import { figure, timeMs, type Figure } from './lib/measure.js';

const SECTION = '5. memory store, virtual clock: the fleet simulator';

/**
 * The simulator (src/adapters/simulator) on one setting, the service defaults
 * (threshold 10 min, sweep every 5 min): every agent action a call on the real
 * ledger, every tick a real sweep, on the memory store. Planning the fleet is
 * outside the timing, as in bench/simulator.bench.ts.
 */
export async function memorySection(ctx: BenchContext): Promise<Figure[]> {
  const agents = ctx.quick ? 1_000 : 4_000;
  const hours = ctx.quick ? 1 : 4;
  const plans = planFleet({ agents, horizonMs: hours * 3_600_000, seed: 1, profiles: BUILT_IN_PROFILES });
  const perSecond: number[] = [];
  const calls: number[] = [];
  for (let round = 0; round < ctx.rounds; round += 1) {
    ctx.progress(`simulator, round ${round + 1}`);
    let agentHours = 0;
    let count = 0;
    const ms = await timeMs(async () => {
      const { run, result } = await runSetting(plans, { thresholdMs: 600_000, intervalMs: 300_000 });
      const t = run.tally;
      agentHours = result.agentHours;
      count = t.created + t.dispatched + t.heartbeats + t.completed + t.refusedCompletions + t.sweeps;
    });
    perSecond.push((agentHours * 1000) / ms);
    calls.push((count * 1000) / ms);
  }
  const label = `${agents.toLocaleString('en')} agents arriving over ${hours} h, threshold 600 s, interval 300 s`;
  return [
    figure(SECTION, `simulated agent-hours per wall second, ${label}`, 'agent-h/s', perSecond),
    figure(SECTION, 'same runs: ledger and sweeper calls per wall second', 'calls/s', calls),
  ];
}
