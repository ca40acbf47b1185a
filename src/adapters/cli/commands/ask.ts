import type { Command } from 'commander';
import { attemptFlag, either, statusesInto } from '../flags.js';
import { reportOutcome } from '../outcome.js';
import { JSON_FLAG, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('ask')
      .description(`the agent asks its caller and waits: ${either(statusesInto('input_required'))} -> input_required, until \`resume\` answers`)
      .argument('<id>', 'delegation id')
      .requiredOption('--question <text>', "what the agent needs to know; kept as the delegation's detail until answered")
      .option('--attempt <n>', 'the attempt the agent works on: a superseded one is refused')
      .option(...JSON_FLAG)
      .addHelpText('after', '\nWhile it waits the delegation is not checked for heartbeats (the agent may be parked); its deadline still runs.'),
  ).action(async (id: string, flags: OutputOptions & { question: string; attempt?: string }, command: Command) => {
    const options = { question: flags.question, attempt: attemptFlag(flags.attempt) };
    const outcome = await withStore(command, {}, (d) => d.ledger.requestInput(id, options));
    reportOutcome('ask', outcome, flags.json);
  });
}
