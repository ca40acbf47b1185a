import type { SettingResult } from './metrics.js';
import { describePolicy } from './policies.js';
import { percent, type PolicyRecommendation } from './recommend.js';
import type { SimulationReport } from './simulate.js';
import { formatDuration, formatSetting } from './units.js';

type Column = { readonly title: string; readonly cell: (s: SettingResult) => string };

const SETTING: readonly Column[] = [
  { title: 'threshold', cell: (s) => formatSetting(s.thresholdSeconds) },
  { title: 'interval', cell: (s) => formatSetting(s.intervalSeconds) },
  { title: 'retry', cell: (s) => s.policy },
];

const SWEEPER: readonly Column[] = [
  ...SETTING,
  { title: 'detect p50', cell: (s) => formatDuration(s.detectionLatencySeconds?.p50) },
  { title: 'p95', cell: (s) => formatDuration(s.detectionLatencySeconds?.p95) },
  { title: 'max', cell: (s) => formatDuration(s.detectionLatencySeconds?.max) },
  { title: 'false pos', cell: (s) => `${percent(s.falsePositives.rate)} (${s.falsePositives.agents})` },
  { title: 'recovered', cell: (s) => String(s.falsePositives.recovered) },
  { title: 'missed', cell: (s) => String(s.crashed.caughtOnlyByDeadline) },
  { title: 'deadline fails', cell: (s) => String(s.deadlineFailures.total) },
  { title: 'wedges@deadline', cell: (s) => `${s.wedges.caughtOnlyByDeadline}/${s.wedges.total}` },
  { title: 'sweeps', cell: (s) => String(s.sweeps) },
];

const RETRIES: readonly Column[] = [
  ...SETTING,
  { title: 'completed', cell: (s) => `${percent(s.completedShare)} (${s.completed})` },
  { title: 'done p50', cell: (s) => formatDuration(s.timeToCompleteSeconds?.p50) },
  { title: 'p95', cell: (s) => formatDuration(s.timeToCompleteSeconds?.p95) },
  { title: 'attempts', cell: (s) => s.attempts.mean.toFixed(3) },
  { title: 'max', cell: (s) => String(s.attempts.max) },
  { title: 'duplicate work', cell: (s) => `${percent(s.duplicateWork.rate)} (${s.duplicateWork.delegations})` },
  { title: 'dup hours', cell: (s) => s.duplicateWork.agentHours.toFixed(2) },
  { title: 'gave up', cell: (s) => String(s.gaveUp) },
];

/** The report as terminal tables: a header on the fleet, the sweeper's and the retries' figures per setting, the recommendation. */
export function formatTable(report: SimulationReport): string {
  return `${[
    ...header(report),
    '',
    ...table(SWEEPER, report.settings),
    '',
    ...sweeperLegend(),
    '',
    ...table(RETRIES, report.settings),
    '',
    ...retryLegend(),
    '',
    ...recommendation(report),
  ].join('\n')}\n`;
}

function table(columns: readonly Column[], settings: readonly SettingResult[]): string[] {
  const rows = settings.map((s) => columns.map((c) => c.cell(s)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padStart(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function header(report: SimulationReport): string[] {
  const profiles = report.profiles.map(
    (p) => `${p.name} ${p.agents} (silent up to ${formatDuration(p.longestSilenceSeconds)}, deadline ${formatSetting(p.deadlineSeconds)})`,
  );
  const f = report.fates;
  return [
    `Fleet simulation: ${plural(report.agents, 'agent')} arriving over ${report.hours} h, seed ${report.seed}; the same fleet under every setting.`,
    `Profiles: ${profiles.join(', ')}.`,
    `Fates: ${f.complete} complete, ${f.stall} stall and recover, ${f.crashBeforeFirstBeat} crash before the first beat, ${f.crashMidRun} crash mid-run, ${f.wedge} wedge.`,
    `Retry policies: ${report.policies.map(describePolicy).join('; ')}.`,
  ];
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function sweeperLegend(): string[] {
  return [
    'detect: crash to `stuck` (p50/p95/max). false pos: live agents marked stuck, share of all agents (a retry\u2019s too);',
    'recovered: of those, came back. missed: crashes only the deadline ended. Boot grace: one threshold.',
  ];
}

function retryLegend(): string[] {
  return [
    'completed: delegations completed on any attempt; done: creation to completed (p50/p95). attempts: per delegation (mean, max).',
    'duplicate work: delegations with two attempts alive at once (a requeued agent still running), and the agent-hours spent twice.',
    'gave up: failed with the attempts spent. A retry goes to a fresh agent of the same profile, whose fate is drawn anew.',
  ];
}

function recommendation(report: SimulationReport): string[] {
  const r = report.recommendation;
  const target = percent(report.maxFalsePositiveRate);
  if (!r.found) return [`Recommendation: none: ${r.reason}.`];
  return [
    `Recommendation: threshold ${formatSetting(r.thresholdSeconds)}, interval ${formatSetting(r.intervalSeconds)}` +
      ` (false positives ${percent(r.falsePositiveRate)} < ${target}, crash detection p95 ${formatDuration(r.detectionP95Seconds)}).`,
    `  ${r.reason}.`,
    `  DELEGATION_STUCK_THRESHOLD_S=${r.thresholdSeconds} DELEGATION_SWEEPER_INTERVAL_S=${r.intervalSeconds}`,
    ...policyLines(r.policy, report.maxDuplicateRate),
  ];
}

function policyLines(p: PolicyRecommendation, maxDuplicateRate: number): string[] {
  if (!p.found) return [`Retry policy: none qualifies: ${p.reason}.`];
  const versus = p.baseline === null ? '' : ` vs ${percent(p.baseline.completedShare)} with ${p.baseline.policy}`;
  const head = `Retry policy: ${p.policy} (completed ${percent(p.completedShare)}${versus}, duplicate work ${percent(p.duplicateRate)} < ${percent(maxDuplicateRate)}).`;
  const fields = p.retry === null ? [] : Object.entries(p.retry).map(([name, value]) => `${name}: ${String(value)}`);
  const config = p.retry === null ? 'retry: null (the default: no automatic retry)' : `retry: { ${fields.join(', ')} }`;
  return [head, `  ${p.reason}.`, `  ${config}`];
}
