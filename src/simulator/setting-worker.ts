import { parentPort } from 'node:worker_threads';
import { planFleet, type AgentPlan, type FleetSpec } from './fleet.js';
import { runSetting } from './run-setting.js';
import type { SweepSetting } from './services.js';
import type { WorkerReply, WorkerTask } from './worker-pool.js';

/** A worker thread of the pool: plans the fleet once, then simulates the settings it is handed. */
const port = parentPort;
if (port === null) throw new Error('setting-worker must run in a worker thread');

let planned: { key: string; plans: AgentPlan[] } | null = null;

function plansFor(spec: FleetSpec): AgentPlan[] {
  // Planning is cheap and deterministic: each worker redoes it rather than receive 10,000 plans.
  const key = JSON.stringify(spec);
  if (planned?.key !== key) planned = { key, plans: planFleet(spec) };
  return planned.plans;
}

port.on('message', (task: WorkerTask) => {
  const reply = (message: WorkerReply) => port.postMessage(message);
  const setting: SweepSetting = task.setting;
  runSetting(plansFor(task.spec), setting, {
    bootGraceMs: task.bootGraceMs,
    seed: task.spec.seed,
    onProgress: (virtualMs, expectedEndMs) => reply({ kind: 'progress', index: task.index, within: Math.min(1, virtualMs / Math.max(1, expectedEndMs)) }),
  }).then(
    ({ result }) => reply({ kind: 'result', index: task.index, result }),
    (error: unknown) => reply({ kind: 'error', index: task.index, message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
