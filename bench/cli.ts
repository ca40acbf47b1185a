import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installIntoHost, packFromSources } from '../test/e2e/support/package-host.js';
import { rotate, type BenchContext } from './lib/context.js';
import { figure, median, type Figure } from './lib/measure.js';
import { BENCH_URL } from './lib/postgres.js';

const SECTION = '6. CLI start (the installed package, whole process, wall time)';

type Command = { readonly name: string; readonly args: readonly string[]; readonly env: NodeJS.ProcessEnv };

/**
 * What an operator waits for: `delegations --help` (loading the CLI) and
 * `stats` on PostgreSQL (connect, migrate check, one query, exit), spawned
 * from a package packed and installed as a host installs it. A bare Node
 * start is the floor both stand on.
 */
export async function cliSection(ctx: BenchContext): Promise<Figure[]> {
  ctx.progress('CLI: packing and installing the package');
  const work = await mkdtemp(join(tmpdir(), 'delegations-bench-cli-'));
  try {
    const bin = join(await installIntoHost(work, await packFromSources(work)), 'node_modules', '.bin', 'delegations');
    const env = { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: BENCH_URL };
    const commands: Command[] = [
      { name: 'node -e "" (a bare Node start)', args: ['-e', ''], env },
      { name: 'delegations --help', args: [bin, '--help'], env },
      { name: 'delegations stats on PostgreSQL', args: [bin, 'stats'], env },
    ];
    const spawns = ctx.quick ? 2 : 5;
    const runs = new Map(commands.map((c) => [c.name, [] as number[]]));
    for (let round = 0; round < ctx.rounds; round += 1) {
      ctx.progress(`CLI, round ${round + 1}`);
      for (const command of rotate(commands, round)) {
        const times: number[] = [];
        for (let i = 0; i < spawns; i += 1) times.push(await wallMs(command));
        runs.get(command.name)?.push(median(times));
      }
    }
    const of = (command: Command) => runs.get(command.name) ?? [];
    const [bare, help, stats] = commands as [Command, Command, Command];
    return [
      figure(SECTION, bare.name, 'ms', of(bare)),
      figure(SECTION, help.name, 'ms', of(help), { label: '--help / bare node', value: median(of(help)) / median(of(bare)) }),
      figure(SECTION, stats.name, 'ms', of(stats), { label: 'stats / --help', value: median(of(stats)) / median(of(help)) }),
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function wallMs(command: Command): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, command.args, { env: command.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command.name} exited ${code}: ${stderr}`))));
  });
}
