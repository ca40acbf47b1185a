import type { BenchContext } from './lib/context.js';
import { driveFleet } from './lib/fleet.js';
import { figure, timeMs, type Figure } from './lib/measure.js';

const SECTION = '5. memory store, virtual clock (agent-hours simulated per wall second)';
// The simulator is another engineer's work in progress: called when its entry point is there,
// read loosely so a change to its types cannot break the bench's type check.
const SIMULATOR = '../src/adapters/simulator/index.js';

type Simulate = (options: object) => Promise<{ settings: { agentHours: number }[] }>;

async function simulator(): Promise<Simulate | null> {
  try {
    const module = (await import(SIMULATOR)) as { simulate?: unknown };
    return typeof module.simulate === 'function' ? (module.simulate as Simulate) : null;
  } catch {
    return null;
  }
}

export async function memorySection(ctx: BenchContext): Promise<Figure[]> {
  const agents = ctx.quick ? 500 : 2_000;
  const figures: Figure[] = [];
  const simulate = await simulator();
  if (simulate !== null) {
    const runs: number[] = [];
    for (let round = 0; round < ctx.rounds; round += 1) {
      ctx.progress(`simulator, round ${round + 1}`);
      let hours = 0;
      const ms = await timeMs(async () => {
        const report = await simulate({ agents, hours: 1, seed: 1, thresholdsSeconds: [600], intervalsSeconds: [300] });
        hours = report.settings[0]?.agentHours ?? Number.NaN;
      });
      runs.push((hours * 1000) / ms);
    }
    figures.push(figure(SECTION, `simulator (src/adapters/simulator simulate), ${agents.toLocaleString('en')} agents, one setting`, 'agent-h/s', runs));
  }
  const runs: number[] = [];
  const calls: number[] = [];
  for (let round = 0; round < ctx.rounds; round += 1) {
    ctx.progress(`fleet driver, round ${round + 1}`);
    let result = { agentHours: 0, calls: 0 };
    const ms = await timeMs(async () => (result = await driveFleet(agents)));
    runs.push((result.agentHours * 1000) / ms);
    calls.push((result.calls * 1000) / ms);
  }
  figures.push(
    figure(SECTION, `bench fleet driver (ledger + sweeper, beats every 30 s), ${agents.toLocaleString('en')} agents`, 'agent-h/s', runs),
    figure(SECTION, 'same run: ledger and sweeper calls per second', 'calls/s', calls),
  );
  return figures;
}
