import type { Command } from 'commander';
import { CommandFailed } from '../errors.js';
import { JSON_FLAG, print, printJson, table, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('verify')
      .description('rebuild every delegation from its events and report rows that disagree (exit 1 if any)')
      .option(...JSON_FLAG),
  ).action(async (options: OutputOptions, command: Command) => {
    const report = await withStore(command, {}, (d) => d.verify());
    if (options.json) printJson(report);
    else if (report.mismatches.length === 0) print(`${report.checked} delegations checked: every row matches its events`);
    else
      print(
        table(
          ['id', 'problems'],
          report.mismatches.map((m) => [m.delegationId, m.problems.join('; ')]),
        ),
      );
    if (report.mismatches.length > 0) {
      throw new CommandFailed(`${report.mismatches.length} of ${report.checked} delegations differ from their events`);
    }
  });
}
