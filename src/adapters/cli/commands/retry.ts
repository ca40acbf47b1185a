import type { Command } from 'commander';
import { reportOutcome } from '../outcome.js';
import { JSON_FLAG, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('retry')
      .description('requeue a stuck delegation as a new attempt (refused for any other status)')
      .argument('<id>', 'delegation id')
      .option(...JSON_FLAG),
  ).action(async (id: string, options: OutputOptions, command: Command) => {
    const outcome = await withStore(command, {}, (d) => d.ledger.retry(id, { actor: 'operator' }));
    reportOutcome('retry', outcome, options.json);
  });
}
