import { runFleet, type FleetRun, type FleetRunOptions } from './fleet-run.js';
import type { AgentPlan } from './fleet.js';
import { settingResult, type SettingResult } from './metrics.js';
import { observe, type AgentVerdict } from './observe.js';
import type { SweepSetting } from './services.js';

export type SettingRun = { readonly run: FleetRun; readonly verdicts: AgentVerdict[]; readonly result: SettingResult };

/** One setting, with the per-agent verdicts kept: what tests and deeper analyses read. */
export async function runSetting(plans: readonly AgentPlan[], setting: SweepSetting, options: FleetRunOptions = {}): Promise<SettingRun> {
  const run = await runFleet(plans, setting, options);
  const verdicts = await observe(run);
  return { run, verdicts, result: settingResult(run, verdicts) };
}
