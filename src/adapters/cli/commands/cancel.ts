import type { Command } from 'commander';
import { reportOutcome } from '../outcome.js';
import { JSON_FLAG, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('cancel')
      .description('withdraw an in-flight delegation (refused once it is terminal)')
      .argument('<id>', 'delegation id')
      .option('--reason <text>', "why; kept as the delegation's error detail")
      .option(...JSON_FLAG),
  ).action(async (id: string, options: OutputOptions & { reason?: string }, command: Command) => {
    const outcome = await withStore(command, {}, (d) => d.ledger.cancel(id, { reason: options.reason, actor: 'operator' }));
    reportOutcome('cancel', outcome, options.json);
  });
}
