import type { Command } from 'commander';
import { CommandFailed, UsageError } from '../errors.js';
import { fields, JSON_FLAG, print, printJson, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('sweep')
      .description('run one sweep now: fail what is past its deadline, mark silent agents stuck')
      .option('--once', 'required: sweep once and exit (the loop is `delegations run`)')
      .option(...JSON_FLAG)
      .addHelpText('after', '\nA one-off sweep applies both rules at once: the boot grace of `run` is for restarts, and this is not one.'),
  ).action(async (options: OutputOptions & { once?: boolean }, command: Command) => {
    if (!options.once) throw new UsageError('sweep needs --once; the sweeper loop is `delegations run`');
    const result = await withStore(command, { bootGraceMs: 0 }, (d) => d.sweeper.sweep());
    if (options.json) printJson(result);
    else print(fields({ 'deadline failures': result.deadlineFailures, 'marked stuck': result.stuckMarked, scanned: result.scanned, errors: result.errors }));
    if (result.errors > 0) throw new CommandFailed('the sweep failed (the log line above says why)');
  });
}
