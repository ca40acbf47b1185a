import { Option, type Command } from 'commander';
import { z } from 'zod';
import { CALLER, DEMO_AGENTS, DEMO_SETTINGS, RUNNER_AGENT } from '../demo/agents.js';
import type { DemoReport, TimelineEntry } from '../demo/run-demo.js';
import { UsageError } from '../errors.js';
import { JSON_FLAG, print, printJson, table, type OutputOptions } from '../output.js';
import { historyTable } from './show.js';

const DEFAULT_PACE_MS = 150;
const paceSchema = z.coerce.number().int().min(0).max(5000);

export function register(program: Command): void {
  program
    .command('demo')
    .description('watch seven agents meet the sweeper, a retry, a question and a cancel, on embedded PGlite with a virtual clock (about ten seconds)')
    .addOption(new Option('--pace <ms>', 'real milliseconds per 10 virtual seconds (0: as fast as possible)').default(String(DEFAULT_PACE_MS)))
    .option(...JSON_FLAG)
    .action(async (options: OutputOptions & { pace: string }) => {
      // Digits first: coercion alone reads '' as 0.
      const pace = paceSchema.safeParse(/^\d+$/.test(options.pace) ? options.pace : Number.NaN);
      if (!pace.success) throw new UsageError(`--pace: must be a whole number of milliseconds (0-5000), got ${JSON.stringify(options.pace)}`);
      if (!options.json) print(introduction());
      const { runDemo } = await import('../demo/run-demo.js');
      const report = await runDemo({ paceMs: options.json ? 0 : pace.data, onEntry: options.json ? () => undefined : (entry) => print(line(entry)) });
      if (options.json) printJson(report);
      else print(conclusion(report));
    });
}

function introduction(): string {
  const s = DEMO_SETTINGS;
  const agents = [...DEMO_AGENTS, RUNNER_AGENT].map((agent) => `  ${agent.id.padEnd(14)}${agent.story}`).join('\n');
  return [
    `delegations demo: ${DEMO_AGENTS.length + 1} agents, one caller, one ledger, one sweeper (embedded PGlite, virtual clock)`,
    `stuck after ${s.thresholdS}s without a heartbeat; a sweep every ${s.sweepEveryS}s; every deadline at t+${s.deadlineS}s`,
    `${CALLER.id} created them all and awaits ${CALLER.awaits} (ledger.waitFor)`,
    '',
    agents,
    '',
  ].join('\n');
}

function line(entry: TimelineEntry): string {
  const at = `t+${String(entry.t).padStart(3)}s`;
  if (entry.kind === 'agent') return `${at}  ${entry.id.padEnd(14)}${entry.text}`;
  const { changes, result } = entry;
  if (changes.length === 0) return `${at}  ${'sweeper'.padEnd(14)}sweep: nothing due`;
  const counts = [
    result.deadlineFailures > 0 ? `${result.deadlineFailures} failed past deadline` : '',
    result.stuckMarked > 0 ? `${result.stuckMarked} marked stuck` : '',
    result.requeued > 0 ? `${result.requeued} requeued by its retry policy` : '',
    result.retriesExhausted > 0 ? `${result.retriesExhausted} failed with its attempts spent` : '',
  ];
  const head = `${at}  ${'sweeper'.padEnd(14)}sweep: ${counts.filter(Boolean).join(', ')}`;
  return [head, ...changes.map((c) => `${' '.repeat(at.length + 16)}${c.id}: ${c.from} -> ${c.to} (${c.detail ?? ''})`)].join('\n');
}

function conclusion(report: DemoReport): string {
  const since = (date: Date) => `t+${Math.round((date.getTime() - report.startedAt.getTime()) / 1000)}s`;
  const outcomes = table(
    ['delegation', 'status', 'detail'],
    report.delegations.map(({ delegation: d }) => [d.delegationId, d.status, d.resultPreview ?? d.errorDetail]),
  );
  const histories = report.delegations.map(({ delegation, history }) => `${delegation.delegationId}\n${historyTable(history, since)}`);
  return ['', 'where each one ended', outcomes, '', 'their histories (every status change is an event; heartbeats are not)', '', histories.join('\n\n')].join(
    '\n',
  );
}
