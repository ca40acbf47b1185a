import 'reflect-metadata';
import { CommanderError } from 'commander';
import { exitCodeOf, oneLine } from './errors.js';
import { createProgram } from './program.js';

const SUCCESS = 0;
const USAGE = 2;

/** Parses argv, runs the command and turns what it threw into an exit code and one line on stderr. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  // `delegations list | head` closes the pipe early: that is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    await program.parseAsync([...argv]);
    return Number(process.exitCode ?? SUCCESS);
  } catch (error) {
    // Commander has already printed its own message (or the help) by the time it throws.
    if (error instanceof CommanderError) return error.exitCode === 0 ? SUCCESS : USAGE;
    process.stderr.write(`error: ${oneLine(error)}\n`);
    return exitCodeOf(error);
  } finally {
    // A handle someone forgot (a socket, a timer) must not keep a finished command alive.
    setTimeout(() => process.exit(), 5000).unref();
  }
}
