import type { Command } from 'commander';
import { MAX_CLAIM_LIMIT } from '../../../app/ledger.js';
import { wholeNumber } from '../flags.js';
import { JSON_FLAG, print, printJson, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';
import { listTable } from './list.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('claim')
      .description('take queued delegations for a callee, oldest first, and mark them dispatched (past their retry backoff, before their deadline)')
      .requiredOption('--callee <id>', 'the callee whose queue to take from')
      .option('--limit <n>', `at most this many (1-${MAX_CLAIM_LIMIT})`, '1')
      .option(...JSON_FLAG)
      .addHelpText(
        'after',
        '\nNothing to claim is an answer, not a failure: exit 0 with an empty list. Each delegation is claimed once, however many claim at once.',
      ),
  ).action(async (options: OutputOptions & { callee: string; limit: string }, command: Command) => {
    const limit = wholeNumber('--limit', options.limit, 1, MAX_CLAIM_LIMIT);
    const claimed = await withStore(command, {}, (d) => d.ledger.claim({ calleeId: options.callee, limit }));
    if (options.json) printJson(claimed);
    else print(claimed.length === 0 ? `nothing to claim for ${options.callee}` : listTable(claimed));
  });
}
