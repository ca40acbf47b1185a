import type { Command } from 'commander';
import { CommandFailed, UsageError } from '../errors.js';
import { fields, JSON_FLAG, print, printJson, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

type SweepFlags = OutputOptions & { readonly once?: boolean; readonly grace: boolean };

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('sweep')
      .description('run one sweep now: fail what is past its deadline, mark silent agents stuck, requeue stuck ones their retry policy allows')
      .option('--once', 'required: sweep once and exit (the loop is `delegations run`)')
      .option('--no-grace', 'apply every rule now, even right after an outage (when only the deadline rule would)')
      .option(...JSON_FLAG)
      .addHelpText(
        'after',
        '\nGrace is the ledger\u2019s, shared by every sweeper on it: when no sweep completed within the outage gap\n' +
          '(DELEGATION_OUTAGE_GAP_S; default the stuck threshold, or two sweep intervals if longer), the platform was down\n' +
          'and its agents look silent, so for one stuck threshold only the deadline rule applies. A cron job sweeping\n' +
          'more often than the gap gets none; set the gap above the cron period.',
      ),
  ).action(async (flags: SweepFlags, command: Command) => {
    if (!flags.once) throw new UsageError('sweep needs --once; the sweeper loop is `delegations run`');
    const result = await withStore(command, flags.grace ? {} : { bootGraceMs: 0 }, (d) => d.sweeper.sweep());
    if (flags.json) printJson(result);
    else
      print(
        fields({
          'deadline failures': result.deadlineFailures,
          'marked stuck': result.stuckMarked,
          requeued: result.requeued,
          'retries exhausted': result.retriesExhausted,
          scanned: result.scanned,
          skipped: result.skipped.length,
          errors: result.errors,
        }),
      );
    for (const row of result.skipped) print(`skipped ${row.delegationId}: ${row.error}`);
    if (result.errors > 0) throw new CommandFailed('the sweep failed (the log line above says why)');
  });
}
