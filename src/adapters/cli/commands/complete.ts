import type { Command } from 'commander';
import { attemptFlag } from '../flags.js';
import { reportOutcome } from '../outcome.js';
import { JSON_FLAG, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('complete')
      .description('the agent finished: -> completed (terminal), with its result')
      .argument('<id>', 'delegation id')
      .option('--result <text>', 'what it produced, or where to find it (kept up to 4 KiB)')
      .option('--attempt <n>', 'the attempt the agent works on: a superseded one is refused')
      .option(...JSON_FLAG),
  ).action(async (id: string, flags: OutputOptions & { result?: string; attempt?: string }, command: Command) => {
    const options = { resultPreview: flags.result, attempt: attemptFlag(flags.attempt) };
    const outcome = await withStore(command, {}, (d) => d.ledger.setStatus(id, 'completed', options));
    reportOutcome('complete', outcome, flags.json);
  });
}
