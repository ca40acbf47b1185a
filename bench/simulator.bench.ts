/**
 * The fleet simulator at scale: 10,000 agents arriving over 24 virtual hours,
 * through the real ledger and sweeper on the in-memory store. Prints figures;
 * asserts nothing about time (machines and neighbours vary).
 *
 *   npx tsx bench/simulator.bench.ts [--agents N] [--hours H] [--seed S] [--grid] [--jobs J]
 *
 * --grid also runs the default 15-setting grid, on --jobs worker threads
 * (default: one per CPU).
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { BUILT_IN_PROFILES, DEFAULT_INTERVALS_SECONDS, DEFAULT_THRESHOLDS_SECONDS, planFleet, runSetting, simulate } from '../src/simulator/index.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    hours: { type: 'string', default: '24' },
    seed: { type: 'string', default: '1' },
    grid: { type: 'boolean', default: false },
    jobs: { type: 'string', default: String(availableParallelism()) },
  },
});
const agents = Number(values.agents);
const hours = Number(values.hours);
const seed = Number(values.seed);

type Measured<T> = { value: T; wallMs: number; cpuMs: number };

async function measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { value, wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const line = (label: string, value: string) => process.stdout.write(`  ${label.padEnd(34)} ${value}\n`);

process.stdout.write(
  `node ${process.version}, ${availableParallelism()} cpus, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n\n`,
);

const plan = await measure(async () => planFleet({ agents, horizonMs: hours * 3_600_000, seed, profiles: BUILT_IN_PROFILES }));
const one = await measure(() => runSetting(plan.value, { thresholdMs: 600_000, intervalMs: 300_000 }));
const { run, result } = one.value;
const calls = run.tally.created + run.tally.dispatched + run.tally.heartbeats + run.tally.completed + run.tally.refusedCompletions + run.tally.sweeps;
process.stdout.write(`${fmt(agents)} agents over ${hours} virtual hours, seed ${seed}, one setting (threshold 600 s, interval 300 s)\n`);
line('plan the fleet', `${fmt(plan.wallMs)} ms`);
line('simulate + score (wall)', `${fmt(one.wallMs)} ms`);
line('simulate + score (cpu, user+sys)', `${fmt(one.cpuMs)} ms`);
line('virtual time simulated', `${fmt(run.endMs / 3_600_000, 1)} h (arrivals over ${hours} h, then until every deadline)`);
line('agent-hours simulated', fmt(result.agentHours, 1));
line('agent-hours per wall second', fmt((result.agentHours * 1000) / one.wallMs));
line('ledger + sweeper calls', `${fmt(calls)} (${fmt(run.tally.heartbeats)} heartbeats, ${fmt(run.tally.sweeps)} sweeps)`);
line('calls per wall second', fmt((calls * 1000) / one.wallMs));
line('heap used after the run', `${fmt(process.memoryUsage().heapUsed / 1e6)} MB`);

if (values.grid) {
  const jobs = Number(values.jobs);
  const grid = await measure(() => simulate({ agents, hours, seed, jobs }));
  const agentHours = grid.value.settings.reduce((sum, s) => sum + s.agentHours, 0);
  const settings = DEFAULT_THRESHOLDS_SECONDS.length * DEFAULT_INTERVALS_SECONDS.length;
  process.stdout.write(
    `\nthe default grid: ${settings} settings (thresholds ${DEFAULT_THRESHOLDS_SECONDS.join(',')} s x intervals ${DEFAULT_INTERVALS_SECONDS.join(',')} s), ${jobs} worker thread(s)\n`,
  );
  line('simulate (wall)', `${fmt(grid.wallMs)} ms`);
  line('simulate (cpu, all threads)', `${fmt(grid.cpuMs)} ms`);
  line('agent-hours simulated', fmt(agentHours, 1));
  line('agent-hours per wall second', fmt((agentHours * 1000) / grid.wallMs));
}
process.stdout.write(
  `\nload average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
