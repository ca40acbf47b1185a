import type { Command } from 'commander';
import { attemptFlag, either, statusesInto } from '../flags.js';
import { reportOutcome } from '../outcome.js';
import { JSON_FLAG, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

type FailFlags = OutputOptions & { readonly error?: string; readonly retryable?: boolean; readonly attempt?: string };

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('fail')
      .description('the agent gave up: -> failed (terminal), or with --retryable queued again as the next attempt')
      .argument('<id>', 'delegation id')
      .option('--error <text>', "what went wrong; kept as the delegation's error detail")
      .option('--retryable', 'another attempt may succeed: requeued while the retry policy has attempts left and the deadline has not passed')
      .option('--attempt <n>', 'the attempt the agent works on: a superseded one is refused')
      .option(...JSON_FLAG)
      .addHelpText(
        'after',
        `\nA retryable failure requeues from ${either(statusesInto('queued'))}, after the policy's backoff; without a policy, with\n` +
          'the attempts spent or past the deadline it fails (with the attempts spent, the detail names them and the last error).',
      ),
  ).action(async (id: string, flags: FailFlags, command: Command) => {
    const options = { errorDetail: flags.error, retryable: flags.retryable, attempt: attemptFlag(flags.attempt) };
    const outcome = await withStore(command, {}, (d) => d.ledger.setStatus(id, 'failed', options));
    reportOutcome('fail', outcome, flags.json);
  });
}
