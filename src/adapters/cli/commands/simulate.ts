import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { retryPolicy } from '../../../app/retry-policy.js';
import {
  DEFAULT_INTERVALS_SECONDS,
  DEFAULT_MAX_DUPLICATE_RATE,
  DEFAULT_MAX_FALSE_POSITIVE_RATE,
  DEFAULT_THRESHOLDS_SECONDS,
  formatJson,
  formatSvg,
  formatTable,
  loadProfileFile,
  progressBar,
  simulate,
} from '../../../simulator/index.js';
import { InvalidInputError, type RetryPolicy } from '../../../domain/index.js';
import { UsageError } from '../errors.js';

type SimulateFlags = {
  readonly agents: string;
  readonly hours: string;
  readonly seed: string;
  readonly thresholds: string;
  readonly intervals: string;
  readonly profiles?: string;
  readonly maxFalsePositiveRate: string;
  readonly retry: readonly string[];
  readonly maxDuplicateRate: string;
  readonly json?: boolean;
  readonly svg?: string;
  readonly jobs: string;
};

export function register(program: Command): void {
  program
    .command('simulate')
    .description('run a simulated fleet through the real ledger and sweeper to choose a stuck threshold and sweep interval')
    .option('--agents <n>', 'agents in the fleet, arriving spread over --hours', '2000')
    .option('--hours <h>', 'virtual hours over which the agents arrive', '6')
    .option('--seed <n>', 'the same seed gives the same fleet and a byte-identical report', '1')
    .option('--thresholds <seconds,...>', 'stuck thresholds to try', DEFAULT_THRESHOLDS_SECONDS.join(','))
    .option('--intervals <seconds,...>', 'sweep intervals to try (every pair with --thresholds)', DEFAULT_INTERVALS_SECONDS.join(','))
    .option('--profiles <file>', 'agent profiles as JSON (default: built-in streaming, coding and batch agents)')
    .option(
      '--max-false-positive-rate <rate>',
      'recommend the smallest threshold under this share of live agents marked stuck',
      String(DEFAULT_MAX_FALSE_POSITIVE_RATE),
    )
    .option(
      '--retry <policy>',
      'a retry policy to compare, under every threshold and interval: "none", or RetryPolicy fields as name=value,... ' +
        '(e.g. maxAttempts=3,requeueStuckAfterMs=60000; the rest default); repeat to compare several (default: none)',
      (value: string, previous: readonly string[]) => [...previous, value],
      [] as readonly string[],
    )
    .option(
      '--max-duplicate-rate <rate>',
      'recommend the policy completing the most delegations with duplicate work under this share',
      String(DEFAULT_MAX_DUPLICATE_RATE),
    )
    .option('--json', 'print the report as JSON instead of a table')
    .option('--svg <file>', 'also write a plot of detection latency against false positives')
    .option('--jobs <n>', 'settings simulated side by side on worker threads (the report is the same)', String(availableParallelism()))
    .action(async (flags: SimulateFlags) => {
      const options = {
        agents: integer('--agents', flags.agents),
        hours: positiveNumber('--hours', flags.hours),
        seed: integer('--seed', flags.seed, 0),
        thresholdsSeconds: secondsList('--thresholds', flags.thresholds),
        intervalsSeconds: secondsList('--intervals', flags.intervals),
        maxFalsePositiveRate: positiveNumber('--max-false-positive-rate', flags.maxFalsePositiveRate),
        retryPolicies: flags.retry.length === 0 ? undefined : flags.retry.map(policyFlag),
        maxDuplicateRate: positiveNumber('--max-duplicate-rate', flags.maxDuplicateRate),
        jobs: integer('--jobs', flags.jobs),
      };
      const profiles = flags.profiles === undefined ? undefined : await profilesFrom(flags.profiles);
      const bar = progressBar(process.stderr);
      const report = await simulate({ ...options, profiles, onProgress: bar?.update })
        .catch(asUsageError)
        .finally(() => bar?.done());
      if (flags.svg !== undefined) await writeSvg(flags.svg, formatSvg(report));
      process.stdout.write(flags.json === true ? formatJson(report) : formatTable(report));
    });
}

function integer(flag: string, raw: string, min = 1): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${flag}: must be an integer of at least ${min}, got "${raw}"`);
  }
  return value;
}

function positiveNumber(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) throw new UsageError(`${flag}: must be a number greater than 0, got "${raw}"`);
  return value;
}

/** "60,120,300" (seconds); one value runs a single setting. */
function secondsList(flag: string, raw: string): number[] {
  const parts = raw.split(',').map((part) => part.trim());
  if (parts.some((part) => !/^\d+$/.test(part) || Number(part) === 0)) {
    throw new UsageError(`${flag}: must be positive whole seconds separated by commas, got "${raw}"`);
  }
  return parts.map(Number);
}

/** "none", or "maxAttempts=3,requeueStuckAfterMs=60000": RetryPolicy's fields in its own units (ms), null for requeueStuckAfterMs. */
function policyFlag(raw: string): Partial<RetryPolicy> | null {
  if (raw.trim() === 'none') return null;
  const given: Record<string, number | null> = {};
  for (const part of raw.split(',')) {
    const [name, value, ...rest] = part.split('=').map((s) => s.trim());
    if (name === undefined || name === '' || value === undefined || value === '' || rest.length > 0) {
      throw new UsageError(`--retry: must be "none" or name=value pairs separated by commas, got "${raw}"`);
    }
    const number = Number(value);
    if (value !== 'null' && !Number.isFinite(number)) throw new UsageError(`--retry: ${name} must be a number, got "${value}"`);
    given[name] = value === 'null' ? null : number;
  }
  try {
    // Checked here to name the flag; simulate() checks it again, as it does every option.
    return retryPolicy('--retry', given);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(`${error.field}: ${error.problem}`);
    throw error;
  }
}

const FLAGS: Readonly<Record<string, string>> = {
  agents: '--agents',
  hours: '--hours',
  seed: '--seed',
  thresholds: '--thresholds',
  intervals: '--intervals',
  maxFalsePositiveRate: '--max-false-positive-rate',
  maxDuplicateRate: '--max-duplicate-rate',
  retryPolicies: '--retry',
  jobs: '--jobs',
};

/** The library names its options; the command line names its flags. */
function asUsageError(error: unknown): never {
  const flag = error instanceof InvalidInputError ? FLAGS[error.field] : undefined;
  if (error instanceof InvalidInputError && flag !== undefined) throw new UsageError(`${flag}: ${error.problem}`);
  throw error;
}

async function profilesFrom(path: string) {
  try {
    return await loadProfileFile(path);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(`--profiles ${path}: ${error.message}`);
    throw error;
  }
}

async function writeSvg(path: string, svg: string): Promise<void> {
  try {
    await writeFile(path, svg);
  } catch (error) {
    throw new UsageError(`--svg: cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
