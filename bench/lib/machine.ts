import { execFileSync } from 'node:child_process';
import os from 'node:os';

export type Machine = {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly postgres: string;
  readonly loadAverageAtStart: readonly number[];
  loadAverageAtEnd?: readonly number[];
  /** The 1-minute load average sampled every 10 s during the run: what the neighbours were doing. */
  loadDuringRun?: { readonly min: number; readonly median: number; readonly max: number; readonly samples: number };
  /** The commit the figures belong to; `dirty` when the working tree had changes. */
  readonly commit: string;
};

export function describeMachine(postgres: string): Machine {
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres,
    loadAverageAtStart: os.loadavg().map((n) => Math.round(n * 100) / 100),
    commit: gitCommit(),
  };
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src', 'bench'], { encoding: 'utf8' }).trim();
    return dirty === '' ? head : `${head} (dirty)`;
  } catch {
    return 'unknown';
  }
}

/** Samples the 1-minute load average until stopped. */
export function sampleLoad(): () => NonNullable<Machine['loadDuringRun']> {
  const samples = [os.loadavg()[0] as number];
  const timer = setInterval(() => samples.push(os.loadavg()[0] as number), 10_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (i: number) => Math.round((sorted[i] as number) * 100) / 100;
    return { min: at(0), median: at(Math.floor(sorted.length / 2)), max: at(sorted.length - 1), samples: sorted.length };
  };
}

export const loadAverage = (): number[] => os.loadavg().map((n) => Math.round(n * 100) / 100);
