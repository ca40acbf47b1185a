import type { Command } from 'commander';
import { type HeartbeatOutcome, STOP_REASONS } from '../../../app/ledger-api.js';
import { CommandFailed } from '../errors.js';
import { attemptFlag, progressFlag } from '../flags.js';
import { fields, JSON_FLAG, print, printJson, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

type HeartbeatFlags = OutputOptions & { readonly attempt?: string; readonly progress?: string };

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('heartbeat')
      .description('tell the ledger the agent is alive (the first beat starts the delegation); the answer says whether to go on')
      .argument('<id>', 'delegation id')
      .option('--attempt <n>', 'the attempt the agent works on: a superseded one is told to stop')
      .option('--progress <n>', 'how far it got (a number, never going back)')
      .option(...JSON_FLAG)
      .addHelpText(
        'after',
        `\nExit 0: go on (printed: the status, attempt and deadline). Exit 1: stop, and why on stderr (${STOP_REASONS.join(', ')}),\n` +
          'so `while delegations heartbeat ...` loops for as long as the work is wanted.',
      ),
  ).action(async (id: string, flags: HeartbeatFlags, command: Command) => {
    const options = { attempt: attemptFlag(flags.attempt), progress: progressFlag(flags.progress) };
    const answer = await withStore(command, {}, (d) => d.ledger.heartbeat(id, options));
    if (flags.json) printJson(answer);
    // A stop is the command's "no": like a refused transition, only its line on stderr unless JSON was asked for.
    if (answer.stop) throw new CommandFailed(stopMessage(id, answer));
    if (!flags.json) print(fields({ stop: false, outcome: answer.outcome, status: answer.status, attempt: answer.attempt, deadline: answer.deadline }));
  });
}

function stopMessage(id: string, answer: HeartbeatOutcome): string {
  if (answer.outcome === 'not_found') return `delegation ${id} not found`;
  const why = answer.outcome === 'refused' ? answer.refusal.message : `delegation ${id} is ${answer.status}`;
  return `stop (${answer.reason}): ${why}`;
}
