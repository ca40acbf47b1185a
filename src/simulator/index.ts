/** The fleet simulator: choose a stuck threshold, sweep interval and retry policy from evidence, on the real services. */
export { simulate, settingsGrid, type SimulationReport, type ProfileSummary } from './simulate.js';
export { runSetting, type SettingRun } from './run-setting.js';
export {
  DEFAULT_INTERVALS_SECONDS,
  DEFAULT_MAX_DUPLICATE_RATE,
  DEFAULT_MAX_FALSE_POSITIVE_RATE,
  DEFAULT_THRESHOLDS_SECONDS,
  type SimulationOptions,
  type SimulationProgress,
} from './options.js';
export { BUILT_IN_PROFILES, FATES, longestSilenceSeconds, type AgentProfile, type Fate, type FailureMix, type SecondsRange } from './profiles.js';
export { loadProfileFile, parseProfiles } from './profile-file.js';
export { planFleet, planRetry, type AgentPlan, type FleetSpec } from './fleet.js';
export { describePolicy, NO_RETRY, policyLabel, resolvePolicies, type SimulatedPolicy } from './policies.js';
export { runFleet, type FleetRun, type FleetRunOptions, type LedgerTally } from './fleet-run.js';
export type { AgentVerdict, DelegationVerdict, Observation } from './observe.js';
export type { LatencySummary, SettingResult } from './metrics.js';
export type { PolicyRecommendation, Recommendation } from './recommend.js';
export type { SweepSetting } from './services.js';
export { formatTable } from './format-table.js';
export { formatJson } from './format-json.js';
export { formatSvg } from './format-svg.js';
export { progressBar } from './progress.js';
