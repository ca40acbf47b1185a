import type { SettingResult } from './metrics.js';
import { percent } from './recommend.js';
import type { SimulationReport } from './simulate.js';
import { escapeXml, fixed, rateScale, timeScale, type Scale } from './svg-scales.js';
import { formatDuration, formatSetting } from './units.js';

const WIDTH = 960;
const HEIGHT = 600;
const PLOT = { left: 96, right: 740, top: 92, bottom: 510 };
// Colour-blind-safe (Okabe-Ito), in the order intervals are listed.
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
// A white outline keeps a label readable where it crosses a line.
const HALO = 'stroke="#ffffff" stroke-width="3" paint-order="stroke"';

type Point = { readonly x: number; readonly y: number; readonly setting: SettingResult };

/**
 * Detection latency (p95, crash to stuck) against the false-positive rate:
 * one line per sweep interval, one point per threshold, under the first retry
 * policy listed (the sweeper's trade-off barely moves with the policy). Good
 * settings sit low and left of the target line; the recommendation is ringed.
 */
export function formatSvg(report: SimulationReport): string {
  const policy = report.policies[0]?.label;
  const settings = report.settings.filter((s) => s.policy === policy);
  const plotted = settings.filter((s) => s.detectionLatencySeconds !== null);
  const x = rateScale([...plotted.map((s) => s.falsePositives.rate), report.maxFalsePositiveRate], PLOT.left, PLOT.right, percent);
  const y = timeScale(Math.max(60, ...plotted.map(p95)), PLOT.bottom, PLOT.top, formatSetting);
  const intervals = [...new Set(settings.map((s) => s.intervalSeconds))];
  const series = intervals.map((interval, i) => {
    const points = plotted.filter((s) => s.intervalSeconds === interval).map((s) => ({ x: x.at(s.falsePositives.rate), y: y.at(p95(s)), setting: s }));
    return drawSeries(points, PALETTE[i % PALETTE.length] as string);
  });
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ${FONT}>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    ...titles(report),
    ...targetZone(x, report.maxFalsePositiveRate),
    ...axes(x, y),
    ...series.flat(),
    ...recommended(report, settings, x, y),
    ...legend(intervals),
    '</svg>',
  ].join('\n')}\n`;
}

function titles(report: SimulationReport): string[] {
  const policy = report.policies.length > 1 ? `, retry ${report.policies[0]?.label}` : '';
  const subtitle = `${report.agents} simulated agents over ${report.hours} h, seed ${report.seed}${policy}; one line per sweep interval, one point per stuck threshold`;
  return [
    `<text x="${PLOT.left}" y="38" font-size="22" font-weight="600" fill="#1a1a1a">Crash detection vs false positives</text>`,
    `<text x="${PLOT.left}" y="62" font-size="13" fill="#555">${escapeXml(subtitle)}</text>`,
  ];
}

function targetZone(x: Scale, target: number): string[] {
  const at = fixed(x.at(target));
  return [
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${fixed(x.at(target) - PLOT.left)}" height="${PLOT.bottom - PLOT.top}" fill="#009E73" fill-opacity="0.07"/>`,
    `<line x1="${at}" y1="${PLOT.top}" x2="${at}" y2="${PLOT.bottom}" stroke="#009E73" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<text x="${fixed(x.at(target) - 6)}" y="${PLOT.top + 16}" font-size="12" fill="#00704f" text-anchor="end">target: under ${escapeXml(percent(target))}</text>`,
  ];
}

function axes(x: Scale & { zeroAt: number }, y: Scale): string[] {
  const grid = 'stroke="#e3e3e3" stroke-width="1"';
  const lines = [
    ...x.ticks.map((t) => `<line x1="${fixed(x.at(t.value))}" y1="${PLOT.top}" x2="${fixed(x.at(t.value))}" y2="${PLOT.bottom}" ${grid}/>`),
    ...y.ticks.map((t) => `<line x1="${PLOT.left}" y1="${fixed(y.at(t.value))}" x2="${PLOT.right}" y2="${fixed(y.at(t.value))}" ${grid}/>`),
    `<polyline points="${PLOT.left},${PLOT.top} ${PLOT.left},${PLOT.bottom} ${PLOT.right},${PLOT.bottom}" fill="none" stroke="#333" stroke-width="1.2"/>`,
    // The zero slot is not on the log scale: a break mark says so.
    `<path d="M${fixed(x.zeroAt + 14)},${PLOT.bottom + 5} l6,-10 M${fixed(x.zeroAt + 20)},${PLOT.bottom + 5} l6,-10" stroke="#333" stroke-width="1.2"/>`,
    ...x.ticks.map(
      (t) => `<text x="${fixed(x.at(t.value))}" y="${PLOT.bottom + 20}" font-size="12" fill="#333" text-anchor="middle">${escapeXml(t.label)}</text>`,
    ),
    ...y.ticks.map(
      (t) => `<text x="${PLOT.left - 8}" y="${fixed(y.at(t.value) + 4)}" font-size="12" fill="#333" text-anchor="end">${escapeXml(t.label)}</text>`,
    ),
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 48}" font-size="13" fill="#333" text-anchor="middle">false positives: live agents marked stuck, share of all agents (log scale)</text>`,
    `<text x="${PLOT.left + 10}" y="${PLOT.bottom - 10}" font-size="12" fill="#777">&#8601; better: fewer false alarms, faster detection</text>`,
    `<text transform="translate(30 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" font-size="13" fill="#333" text-anchor="middle">crash detection, p95 (crash to stuck)</text>`,
  ];
  return lines;
}

function drawSeries(points: readonly Point[], colour: string): string[] {
  if (points.length === 0) return [];
  const path = points.map((p) => `${fixed(p.x)},${fixed(p.y)}`).join(' ');
  return [
    `<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2" stroke-linejoin="round" stroke-opacity="0.85"/>`,
    ...points.flatMap((p) => [
      `<circle cx="${fixed(p.x)}" cy="${fixed(p.y)}" r="4.5" fill="${colour}" stroke="#fff" stroke-width="1.5"><title>${escapeXml(tooltip(p.setting))}</title></circle>`,
      `<text x="${fixed(p.x + 7)}" y="${fixed(p.y - 7)}" font-size="11" fill="${colour}" ${HALO}>${formatSetting(p.setting.thresholdSeconds)}</text>`,
    ]),
  ];
}

/** Rings the recommended point; its description sits in the side panel, where it cannot cover a line. */
function recommended(report: SimulationReport, settings: readonly SettingResult[], x: Scale, y: Scale): string[] {
  const r = report.recommendation;
  const top = PLOT.top + 150;
  const left = PLOT.right + 36;
  const heading = `<text x="${left}" y="${top}" font-size="13" font-weight="600" fill="#1a1a1a">Recommended</text>`;
  const chosen = r.found ? settings.find((s) => s.thresholdSeconds === r.thresholdSeconds && s.intervalSeconds === r.intervalSeconds) : undefined;
  if (!r.found || chosen === undefined) return [heading, panelText(left, top + 22, ['none under the target'])];
  const lines = [
    `threshold ${formatSetting(chosen.thresholdSeconds)}, every ${formatSetting(chosen.intervalSeconds)}`,
    `false positives ${percent(chosen.falsePositives.rate)}`,
    `detection p95 ${formatDuration(chosen.detectionLatencySeconds?.p95)}`,
  ];
  const ring =
    chosen.detectionLatencySeconds === null
      ? []
      : [`<circle cx="${fixed(x.at(chosen.falsePositives.rate))}" cy="${fixed(y.at(p95(chosen)))}" r="11" fill="none" stroke="#1a1a1a" stroke-width="2"/>`];
  return [
    ...ring,
    heading,
    `<circle cx="${left + 5}" cy="${top + 18}" r="6" fill="none" stroke="#1a1a1a" stroke-width="2"/>`,
    panelText(left + 18, top + 22, lines),
  ];
}

function panelText(left: number, top: number, lines: readonly string[]): string {
  const spans = lines.map((line, i) => `<tspan x="${left}" dy="${i === 0 ? 0 : 18}">${escapeXml(line)}</tspan>`).join('');
  return `<text x="${left}" y="${top}" font-size="12" fill="#333">${spans}</text>`;
}

function legend(intervals: readonly number[]): string[] {
  const left = PLOT.right + 36;
  return [
    `<text x="${left}" y="${PLOT.top + 4}" font-size="13" font-weight="600" fill="#1a1a1a">Sweep interval</text>`,
    ...intervals.flatMap((interval, i) => {
      const colour = PALETTE[i % PALETTE.length] as string;
      const y = PLOT.top + 30 + i * 24;
      return [
        `<line x1="${left}" y1="${y}" x2="${left + 28}" y2="${y}" stroke="${colour}" stroke-width="2"/>`,
        `<circle cx="${left + 14}" cy="${y}" r="4.5" fill="${colour}" stroke="#fff" stroke-width="1.5"/>`,
        `<text x="${left + 38}" y="${y + 4}" font-size="12" fill="#333">every ${formatSetting(interval)}</text>`,
      ];
    }),
    `<text x="${left}" y="${PLOT.top + 48 + intervals.length * 24}" font-size="11" fill="#666">labels: stuck threshold</text>`,
  ];
}

function tooltip(s: SettingResult): string {
  const latency = s.detectionLatencySeconds;
  return (
    `threshold ${formatSetting(s.thresholdSeconds)}, interval ${formatSetting(s.intervalSeconds)}: ` +
    `p50 ${formatDuration(latency?.p50)}, p95 ${formatDuration(latency?.p95)}, false positives ${percent(s.falsePositives.rate)}`
  );
}

function p95(s: SettingResult): number {
  return s.detectionLatencySeconds?.p95 ?? 0;
}
