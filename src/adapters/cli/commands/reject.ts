import type { Command } from 'commander';
import { attemptFlag, either, statusesInto } from '../flags.js';
import { reportOutcome } from '../outcome.js';
import { JSON_FLAG, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('reject')
      .description(`the agent declines the task: ${either(statusesInto('rejected'))} -> rejected (terminal)`)
      .argument('<id>', 'delegation id')
      .option('--reason <text>', "why; kept as the delegation's detail")
      .option('--attempt <n>', 'the attempt the agent works on: a superseded one is refused')
      .option(...JSON_FLAG),
  ).action(async (id: string, flags: OutputOptions & { reason?: string; attempt?: string }, command: Command) => {
    const options = { reason: flags.reason, attempt: attemptFlag(flags.attempt) };
    const outcome = await withStore(command, {}, (d) => d.ledger.reject(id, options));
    reportOutcome('reject', outcome, flags.json);
  });
}
