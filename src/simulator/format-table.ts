import type { SettingResult } from './metrics.js';
import { percent } from './recommend.js';
import type { SimulationReport } from './simulate.js';
import { formatDuration, formatSetting } from './units.js';

type Column = { readonly title: string; readonly cell: (s: SettingResult) => string; readonly left?: boolean };

const COLUMNS: readonly Column[] = [
  { title: 'threshold', cell: (s) => formatSetting(s.thresholdSeconds) },
  { title: 'interval', cell: (s) => formatSetting(s.intervalSeconds) },
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

/** The report as a terminal table: a header on the fleet, one row per setting, the recommendation. */
export function formatTable(report: SimulationReport): string {
  const rows = report.settings.map((s) => COLUMNS.map((c) => c.cell(s)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padStart(widths[i] as number))
      .join('  ')
      .trimEnd();
  return `${[
    ...header(report),
    '',
    line(COLUMNS.map((c) => c.title)),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    ...legend(),
    '',
    ...recommendation(report),
  ].join('\n')}\n`;
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
  ];
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function legend(): string[] {
  return [
    'detect: crash to `stuck` (p50/p95/max). false pos: live agents marked stuck, share of all agents;',
    'recovered: of those, came back. missed: crashes only the deadline ended. Boot grace: one threshold.',
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
  ];
}
