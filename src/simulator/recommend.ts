import type { RetryPolicy } from '../domain/index.js';
import type { SettingResult } from './metrics.js';
import { DEFAULT_MAX_DUPLICATE_RATE } from './options.js';
import { formatSetting } from './units.js';

/** The retry policy recommended at the recommended threshold and interval. */
export type PolicyRecommendation =
  | {
      readonly found: true;
      readonly policy: string;
      readonly retry: RetryPolicy | null;
      readonly completedShare: number;
      readonly duplicateRate: number;
      /** The first policy listed, at the same threshold and interval, when another one won. */
      readonly baseline: { readonly policy: string; readonly completedShare: number } | null;
      readonly reason: string;
    }
  | { readonly found: false; readonly reason: string };

export type Recommendation =
  | {
      readonly found: true;
      readonly thresholdSeconds: number;
      readonly intervalSeconds: number;
      readonly falsePositiveRate: number;
      readonly detectionP95Seconds: number | null;
      readonly reason: string;
      readonly policy: PolicyRecommendation;
    }
  | { readonly found: false; readonly reason: string };

/** One (threshold, interval) pair under every policy simulated: it qualifies only if it does under each. */
type Pair = {
  readonly thresholdSeconds: number;
  readonly intervalSeconds: number;
  readonly rows: readonly SettingResult[];
  readonly rate: number;
  readonly p95: number;
};

/**
 * The smallest threshold whose false-positive rate stays under the target (under every policy);
 * of that threshold's intervals, the one that detects crashes fastest (p95), the longer interval
 * on a tie because it sweeps less often. Then, at that pair, the policy that completes the most
 * delegations with duplicate work under `maxDuplicateRate`.
 */
export function recommend(settings: readonly SettingResult[], maxFalsePositiveRate: number, maxDuplicateRate = DEFAULT_MAX_DUPLICATE_RATE): Recommendation {
  const target = percent(maxFalsePositiveRate);
  const pairs = pairsOf(settings);
  const passing = pairs.filter((p) => p.rate < maxFalsePositiveRate);
  if (passing.length === 0) {
    const best = [...pairs].sort((a, b) => a.rate - b.rate)[0];
    const lowest =
      best === undefined
        ? ''
        : ` (lowest: ${percent(best.rate)} at threshold ${formatSetting(best.thresholdSeconds)}, interval ${formatSetting(best.intervalSeconds)})`;
    return { found: false, reason: `no setting keeps false positives under ${target}${lowest}; try larger thresholds` };
  }
  const threshold = Math.min(...passing.map((p) => p.thresholdSeconds));
  const [chosen] = passing.filter((p) => p.thresholdSeconds === threshold).sort((a, b) => a.p95 - b.p95 || b.intervalSeconds - a.intervalSeconds) as [Pair];
  return {
    found: true,
    thresholdSeconds: chosen.thresholdSeconds,
    intervalSeconds: chosen.intervalSeconds,
    falsePositiveRate: chosen.rate,
    detectionP95Seconds: Number.isFinite(chosen.p95) ? chosen.p95 : null,
    reason: `smallest threshold with false positives under ${target}; of its intervals, ${formatSetting(chosen.intervalSeconds)} detects crashes fastest`,
    policy: recommendPolicy(chosen.rows, maxDuplicateRate),
  };
}

/**
 * The most delegations completed with duplicate work under the target; on a tie, the faster p95
 * to completion, then fewer attempts, then the policy listed first.
 */
export function recommendPolicy(rows: readonly SettingResult[], maxDuplicateRate: number): PolicyRecommendation {
  const target = percent(maxDuplicateRate);
  const passing = rows.filter((r) => duplicateRate(r) < maxDuplicateRate);
  if (passing.length === 0) return { found: false, reason: `no policy keeps duplicate work under ${target}; try a longer requeueStuckAfterMs` };
  const [best] = [...passing].sort(
    (a, b) =>
      completedShare(b) - completedShare(a) ||
      (a.timeToCompleteSeconds?.p95 ?? Number.POSITIVE_INFINITY) - (b.timeToCompleteSeconds?.p95 ?? Number.POSITIVE_INFINITY) ||
      a.attempts.mean - b.attempts.mean ||
      rows.indexOf(a) - rows.indexOf(b),
  ) as [SettingResult];
  const first = rows[0] as SettingResult;
  const only = rows.length === 1;
  return {
    found: true,
    policy: best.policy,
    retry: best.retry,
    completedShare: completedShare(best),
    duplicateRate: duplicateRate(best),
    baseline: best === first ? null : { policy: first.policy, completedShare: completedShare(first) },
    reason: only ? 'the only policy simulated' : `the most delegations completed with duplicate work under ${target}`,
  };
}

function pairsOf(settings: readonly SettingResult[]): Pair[] {
  const pairs = new Map<string, SettingResult[]>();
  for (const s of settings) {
    const key = `${s.thresholdSeconds}/${s.intervalSeconds}`;
    pairs.set(key, [...(pairs.get(key) ?? []), s]);
  }
  return [...pairs.values()].map((rows) => {
    const [first] = rows as [SettingResult];
    return {
      thresholdSeconds: first.thresholdSeconds,
      intervalSeconds: first.intervalSeconds,
      rows,
      rate: Math.max(...rows.map((r) => r.falsePositives.rate)),
      p95: Math.max(...rows.map(p95)),
    };
  });
}

function p95(setting: SettingResult): number {
  return setting.detectionLatencySeconds?.p95 ?? Number.POSITIVE_INFINITY;
}

function completedShare(setting: SettingResult): number {
  return setting.completedShare;
}

function duplicateRate(setting: SettingResult): number {
  return setting.duplicateWork.rate;
}

/** 36.4%, 8.9%, 0.05%: three significant digits at most, no padding zeros. */
export function percent(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))}%`;
}
