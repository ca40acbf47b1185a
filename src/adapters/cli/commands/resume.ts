import type { Command } from 'commander';
import { reportOutcome } from '../outcome.js';
import { JSON_FLAG, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('resume')
      .description("the caller answers an agent's question: input_required -> in_progress, the answer in the `resumed` event")
      .argument('<id>', 'delegation id')
      .option('--answer <text>', 'what the agent asked for (kept up to 4 KiB)')
      .option(...JSON_FLAG),
  ).action(async (id: string, flags: OutputOptions & { answer?: string }, command: Command) => {
    const outcome = await withStore(command, {}, (d) => d.ledger.resume(id, { answer: flags.answer }));
    reportOutcome('resume', outcome, flags.json);
  });
}
