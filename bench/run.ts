import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { claimSection } from './claims.js';
import { cliSection } from './cli.js';
import { heartbeatSection } from './heartbeats.js';
import { httpSection } from './http.js';
import type { BenchContext } from './lib/context.js';
import { describeMachine, loadAverage, sampleLoad } from './lib/machine.js';
import type { Figure } from './lib/measure.js';
import { benchPool, recreateDatabase, serverVersion } from './lib/postgres.js';
import { markdownTable, printTable, writeResults } from './lib/report.js';
import { memorySection } from './memory.js';
import { peersSection } from './peers/index.js';
import { pgliteSection } from './pglite.js';
import { poolerSection } from './pooler.js';
import { statsSection } from './stats.js';
import { pruneSection } from './prune.js';
import { sweepSection } from './sweep.js';
import { transitionSection } from './transitions.js';
import { waitForSection } from './wait-for.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const started = performance.now();
const ctx: BenchContext = {
  quick,
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  scale: quick ? 20 : 1,
  progress: (message) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`),
};

const sections: Record<string, (ctx: BenchContext) => Promise<Figure[]>> = {
  sweep: sweepSection,
  transitions: transitionSection,
  heartbeats: heartbeatSection,
  pglite: pgliteSection,
  memory: memorySection,
  cli: cliSection,
  claims: claimSection,
  waitfor: waitForSection,
  pooler: poolerSection,
  http: httpSection,
  stats: statsSection,
  prune: pruneSection,
  peers: peersSection,
};

await recreateDatabase();
const pool = benchPool(1);
const machine = describeMachine(await serverVersion(pool));
await pool.end();
const stopSampling = sampleLoad();
const figures: Figure[] = [];
for (const [name, section] of Object.entries(sections)) {
  if (only === undefined || only.includes(name)) figures.push(...(await section(ctx)));
}
machine.loadAverageAtEnd = loadAverage();
machine.loadDuringRun = stopSampling();

const mode = quick ? 'quick (sweep row counts / 20, fewer operations per run)' : 'full';
const write = (line: string) => process.stdout.write(`${line}\n`);
write(`delegation-ledger benchmarks, ${mode}, median of ${ctx.rounds} runs; ratios from the same run`);
write(`${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.postgres.split(' on ')[0]}`);
const during = machine.loadDuringRun;
write(`commit ${machine.commit}; 1-min load average during the run: median ${during.median}, min ${during.min}, max ${during.max} (${during.samples} samples)`);
printTable(figures, write);
const path = fileURLToPath(new URL(`./results/${process.env.BENCH_OUT ?? 'latest'}.json`, import.meta.url));
writeResults(path, { machine, mode, rounds: ctx.rounds, figures, markdown: markdownTable(figures) });
write(`\nwritten to ${path} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
