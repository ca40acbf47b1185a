import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FleetSpec } from './fleet.js';
import type { SettingResult } from './metrics.js';
import type { SweepSetting } from './services.js';

export type WorkerTask = { readonly index: number; readonly spec: FleetSpec; readonly setting: SweepSetting; readonly bootGraceMs: number | undefined };
export type WorkerReply =
  | { readonly kind: 'progress'; readonly index: number; readonly within: number }
  | { readonly kind: 'result'; readonly index: number; readonly result: SettingResult }
  | { readonly kind: 'error'; readonly index: number; readonly message: string };

export type PoolOptions = {
  readonly jobs: number;
  readonly bootGraceMs: number | undefined;
  readonly onProgress?: ((index: number, within: number) => void) | undefined;
};

/**
 * Simulates the settings on `jobs` worker threads, each setting on its own
 * fresh services as in a sequential run; results come back in grid order, so
 * the report is the same bytes whatever the number of jobs.
 */
export function runInWorkers(spec: FleetSpec, grid: readonly SweepSetting[], options: PoolOptions): Promise<SettingResult[]> {
  const results: (SettingResult | undefined)[] = grid.map(() => undefined);
  const workers = Array.from({ length: Math.min(options.jobs, grid.length) }, spawnWorker);
  let next = 0;
  let done = 0;
  return new Promise<SettingResult[]>((resolve, reject) => {
    const fail = (error: Error) => {
      for (const w of workers) void w.terminate();
      reject(error);
    };
    const busy = new Set<Worker>();
    const feed = (worker: Worker) => {
      busy.delete(worker);
      if (next >= grid.length) return void worker.terminate();
      const task: WorkerTask = { index: next, spec, setting: grid[next] as SweepSetting, bootGraceMs: options.bootGraceMs };
      next += 1;
      busy.add(worker);
      worker.postMessage(task);
    };
    for (const worker of workers) {
      worker.on('message', (reply: WorkerReply) => {
        if (reply.kind === 'progress') return options.onProgress?.(reply.index, reply.within);
        if (reply.kind === 'error') return fail(new Error(`setting ${reply.index} failed in a worker: ${reply.message}`));
        results[reply.index] = reply.result;
        options.onProgress?.(reply.index, 1);
        done += 1;
        if (done === grid.length) resolve(results as SettingResult[]);
        feed(worker);
      });
      worker.on('error', fail);
      // A worker that dies with a setting in hand (out of memory, killed) must not leave the run waiting.
      worker.on('exit', (code) => busy.has(worker) && fail(new Error(`a simulation worker exited with code ${code}`)));
      feed(worker);
    }
  });
}

/**
 * Compiled (dist/, the bin and the package) a worker loads its sibling
 * `setting-worker.js` directly: no TypeScript at run time. From the sources
 * (vitest, tsx: development only) a worker cannot load `.ts` by itself, so it
 * registers tsx first, with the repository's tsconfig for the decorators.
 */
function spawnWorker(): Worker {
  if (import.meta.url.endsWith('.js')) return new Worker(new URL('./setting-worker.js', import.meta.url));
  const tsconfig = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
  const workerData = { tsx: import.meta.resolve('tsx/esm/api'), entry: new URL('./setting-worker.ts', import.meta.url).href, tsconfig };
  return new Worker(TSX_BOOT, { eval: true, workerData });
}

const TSX_BOOT = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then(({ register }) => {
  register({ tsconfig: workerData.tsconfig });
  return import(workerData.entry);
});
`;
