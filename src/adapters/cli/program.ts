import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import * as ask from './commands/ask.js';
import * as cancel from './commands/cancel.js';
import * as claim from './commands/claim.js';
import * as complete from './commands/complete.js';
import * as create from './commands/create.js';
import * as demo from './commands/demo.js';
import * as events from './commands/events.js';
import * as fail from './commands/fail.js';
import * as heartbeat from './commands/heartbeat.js';
import * as list from './commands/list.js';
import * as migrate from './commands/migrate.js';
import * as prune from './commands/prune.js';
import * as reject from './commands/reject.js';
import * as resume from './commands/resume.js';
import * as retry from './commands/retry.js';
import * as run from './commands/run.js';
import * as show from './commands/show.js';
import * as simulate from './commands/simulate.js';
import * as stats from './commands/stats.js';
import * as token from './commands/token.js';
import * as sweep from './commands/sweep.js';
import * as verify from './commands/verify.js';

/** One file per command under ./commands, each exporting `register(program)`. */
export type CommandModule = { readonly register: (program: Command) => void };

/** Listed in the order `delegations --help` shows them: the operator's, then the caller's and the agent's, then the tours. */
export const COMMANDS: readonly CommandModule[] = [
  run,
  migrate,
  sweep,
  list,
  show,
  events,
  stats,
  retry,
  cancel,
  verify,
  token,
  prune,
  create,
  resume,
  claim,
  heartbeat,
  ask,
  complete,
  fail,
  reject,
  demo,
  simulate,
];

/** Where commander writes help and its own errors. */
export type Output = { readonly writeOut: (text: string) => void; readonly writeErr: (text: string) => void };

export function createProgram(commands: readonly CommandModule[] = COMMANDS, output?: Output): Command {
  const program = new Command('delegations')
    .description(
      "An event-sourced ledger of work delegated to agents: the sweeper daemon, its admin API, the operator's commands and the caller's and agent's.",
    )
    .version(packageVersion())
    .exitOverride()
    .showSuggestionAfterError();
  // Before the commands are added: each copies the program's settings when it is created.
  // An error is one line on stderr, a suggestion ("Did you mean stats?") included.
  program.configureOutput({ ...output, outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')}\n`) });
  for (const command of commands) command.register(program);
  return program;
}

function packageVersion(): string {
  // Three levels above src/adapters/cli (or dist/adapters/cli) is the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
