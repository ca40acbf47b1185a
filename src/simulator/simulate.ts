import type { FleetRunOptions } from './fleet-run.js';
import { planFleet, type AgentPlan, type FleetSpec } from './fleet.js';
import type { SettingResult } from './metrics.js';
import { resolveOptions, type ResolvedOptions, type SimulationOptions } from './options.js';
import type { SimulatedPolicy } from './policies.js';
import { FATES, longestSilenceSeconds, type Fate } from './profiles.js';
import { recommend, type Recommendation } from './recommend.js';
import { runSetting } from './run-setting.js';
import type { SweepSetting } from './services.js';
import { runInWorkers } from './worker-pool.js';

export type ProfileSummary = {
  readonly name: string;
  readonly agents: number;
  readonly longestSilenceSeconds: number;
  readonly deadlineSeconds: number;
};

export type SimulationReport = {
  readonly seed: number;
  readonly agents: number;
  readonly hours: number;
  readonly maxFalsePositiveRate: number;
  readonly maxDuplicateRate: number;
  readonly profiles: readonly ProfileSummary[];
  /** The retry policies compared, in the order given (the first is the baseline). */
  readonly policies: readonly SimulatedPolicy[];
  /** How many agents were dealt each fate (the same fleet runs under every setting). */
  readonly fates: Readonly<Record<Fate, number>>;
  readonly settings: readonly SettingResult[];
  readonly recommendation: Recommendation;
};

/**
 * Runs the same seeded fleet under every (threshold, interval, retry policy), each on a
 * fresh container of the real services, and scores what the ledger recorded
 * against what the agents really did. Same options, same report.
 */
export async function simulate(options: SimulationOptions): Promise<SimulationReport> {
  const resolved = resolveOptions(options);
  const spec: FleetSpec = { agents: resolved.agents, horizonMs: Math.round(resolved.hours * 3_600_000), seed: resolved.seed, profiles: resolved.profiles };
  const plans = planFleet(spec);
  const grid = settingsGrid(resolved);
  const settings = resolved.jobs > 1 && grid.length > 1 ? await inWorkers(spec, grid, resolved) : await inTurn(plans, grid, resolved);
  resolved.onProgress?.({ ...describe(grid, grid.length - 1), settingsDone: grid.length, fraction: 1 });
  return {
    seed: resolved.seed,
    agents: resolved.agents,
    hours: resolved.hours,
    maxFalsePositiveRate: resolved.maxFalsePositiveRate,
    maxDuplicateRate: resolved.maxDuplicateRate,
    profiles: resolved.profiles.map((p) => ({
      name: p.name,
      agents: plans.filter((plan) => plan.profile === p).length,
      longestSilenceSeconds: longestSilenceSeconds(p),
      deadlineSeconds: p.deadlineSeconds,
    })),
    policies: resolved.policies,
    fates: Object.fromEntries(FATES.map((fate) => [fate, plans.filter((p) => p.fate === fate).length])) as Record<Fate, number>,
    settings,
    recommendation: recommend(settings, resolved.maxFalsePositiveRate, resolved.maxDuplicateRate),
  };
}

async function inTurn(plans: readonly AgentPlan[], grid: readonly SweepSetting[], options: ResolvedOptions): Promise<SettingResult[]> {
  const settings: SettingResult[] = [];
  for (const [index, setting] of grid.entries()) {
    const onProgress = progressFor(options, grid, index);
    settings.push((await runSetting(plans, setting, { bootGraceMs: bootGraceMs(options), seed: options.seed, onProgress })).result);
  }
  return settings;
}

function inWorkers(spec: FleetSpec, grid: readonly SweepSetting[], options: ResolvedOptions): Promise<SettingResult[]> {
  const report = options.onProgress;
  const within = grid.map(() => 0);
  const onProgress =
    report &&
    ((index: number, fraction: number) => {
      within[index] = fraction;
      const settingsDone = within.filter((f) => f === 1).length;
      report({ ...describe(grid, index), settingsDone, fraction: within.reduce((sum, f) => sum + f, 0) / grid.length });
    });
  return runInWorkers(spec, grid, { jobs: options.jobs, bootGraceMs: bootGraceMs(options), onProgress });
}

/** Every threshold with every interval, each under every policy: a pair's policies sit side by side. */
export function settingsGrid(
  options: Pick<ResolvedOptions, 'thresholdsSeconds' | 'intervalsSeconds'> & { policies?: readonly SimulatedPolicy[] },
): SweepSetting[] {
  const policies = options.policies ?? [undefined];
  return options.thresholdsSeconds.flatMap((threshold) =>
    options.intervalsSeconds.flatMap((interval) => policies.map((policy) => ({ thresholdMs: threshold * 1000, intervalMs: interval * 1000, policy }))),
  );
}

function bootGraceMs(options: ResolvedOptions): number | undefined {
  return options.bootGraceSeconds === undefined ? undefined : options.bootGraceSeconds * 1000;
}

function progressFor(options: ResolvedOptions, grid: readonly SweepSetting[], index: number): FleetRunOptions['onProgress'] {
  const report = options.onProgress;
  if (report === undefined) return undefined;
  report({ ...describe(grid, index), settingsDone: index, fraction: index / grid.length });
  return (virtualMs, expectedEndMs) => {
    const within = Math.min(1, virtualMs / Math.max(1, expectedEndMs));
    report({ ...describe(grid, index), settingsDone: index, fraction: (index + within) / grid.length });
  };
}

function describe(grid: readonly SweepSetting[], index: number) {
  const setting = grid[index] as SweepSetting;
  const policy = setting.policy?.label ?? 'none';
  return { setting: index, settings: grid.length, thresholdSeconds: setting.thresholdMs / 1000, intervalSeconds: setting.intervalMs / 1000, policy };
}
