import { runFleet, type FleetRun, type FleetRunOptions } from './fleet-run.js';
import type { AgentPlan } from './fleet.js';
import { settingResult, type SettingResult } from './metrics.js';
import { observe, type AgentVerdict, type DelegationVerdict } from './observe.js';
import type { SweepSetting } from './services.js';

export type SettingRun = {
  readonly run: FleetRun;
  /** One per agent that ran (a retry's agent too). */
  readonly verdicts: AgentVerdict[];
  /** One per delegation, with its agents. */
  readonly delegations: DelegationVerdict[];
  readonly result: SettingResult;
};

/** One setting, with the per-agent verdicts kept: what tests and deeper analyses read. */
export async function runSetting(plans: readonly AgentPlan[], setting: SweepSetting, options: FleetRunOptions = {}): Promise<SettingRun> {
  const run = await runFleet(plans, setting, options);
  const observation = await observe(run);
  return { run, verdicts: observation.agents, delegations: observation.delegations, result: settingResult(run, observation) };
}
