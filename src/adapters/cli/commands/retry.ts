import type { Command } from 'commander';
import { OPERATOR_REQUEUE_FROM } from '../../../domain/index.js';
import { either } from '../flags.js';
import { reportOutcome } from '../outcome.js';
import { JSON_FLAG, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('retry')
      .description(`requeue a delegation that is ${either(OPERATOR_REQUEUE_FROM)} as a new attempt, available at once (refused for any other status)`)
      .argument('<id>', 'delegation id')
      .option(...JSON_FLAG),
  ).action(async (id: string, options: OutputOptions, command: Command) => {
    const outcome = await withStore(command, {}, (d) => d.ledger.retry(id, { actor: 'operator' }));
    reportOutcome('retry', outcome, options.json);
  });
}
