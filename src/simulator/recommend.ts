import type { SettingResult } from './metrics.js';
import { formatSetting } from './units.js';

export type Recommendation =
  | {
      readonly found: true;
      readonly thresholdSeconds: number;
      readonly intervalSeconds: number;
      readonly falsePositiveRate: number;
      readonly detectionP95Seconds: number | null;
      readonly reason: string;
    }
  | { readonly found: false; readonly reason: string };

/**
 * The smallest threshold whose false-positive rate stays under the target; of
 * that threshold's intervals, the one that detects crashes fastest (p95), the
 * longer interval on a tie because it sweeps less often.
 */
export function recommend(settings: readonly SettingResult[], maxFalsePositiveRate: number): Recommendation {
  const target = percent(maxFalsePositiveRate);
  const passing = settings.filter((s) => s.falsePositives.rate < maxFalsePositiveRate);
  if (passing.length === 0) {
    const best = [...settings].sort((a, b) => a.falsePositives.rate - b.falsePositives.rate)[0];
    const lowest =
      best === undefined
        ? ''
        : ` (lowest: ${percent(best.falsePositives.rate)} at threshold ${formatSetting(best.thresholdSeconds)}, interval ${formatSetting(best.intervalSeconds)})`;
    return { found: false, reason: `no setting keeps false positives under ${target}${lowest}; try larger thresholds` };
  }
  const threshold = Math.min(...passing.map((s) => s.thresholdSeconds));
  const [chosen] = passing.filter((s) => s.thresholdSeconds === threshold).sort((a, b) => p95(a) - p95(b) || b.intervalSeconds - a.intervalSeconds) as [
    SettingResult,
  ];
  return {
    found: true,
    thresholdSeconds: chosen.thresholdSeconds,
    intervalSeconds: chosen.intervalSeconds,
    falsePositiveRate: chosen.falsePositives.rate,
    detectionP95Seconds: chosen.detectionLatencySeconds?.p95 ?? null,
    reason: `smallest threshold with false positives under ${target}; of its intervals, ${formatSetting(chosen.intervalSeconds)} detects crashes fastest`,
  };
}

function p95(setting: SettingResult): number {
  return setting.detectionLatencySeconds?.p95 ?? Number.POSITIVE_INFINITY;
}

/** 36.4%, 8.9%, 0.05%: three significant digits at most, no padding zeros. */
export function percent(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))}%`;
}
