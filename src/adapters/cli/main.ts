import 'reflect-metadata';
import { CommanderError } from 'commander';
import { exitCodeOf, oneLine } from './errors.js';
import { createProgram, type Output } from './program.js';

const SUCCESS = 0;
const USAGE = 2;

const STDIO: Output = { writeOut: (text) => process.stdout.write(text), writeErr: (text) => process.stderr.write(text) };

/**
 * Parses argv, runs the command and turns what it threw into an exit code and
 * one line on stderr. No process-wide side effects: tests call it in-process.
 */
export async function runCli(argv: readonly string[], output: Output = STDIO): Promise<number> {
  const program = createProgram(undefined, output);
  try {
    await program.parseAsync([...argv]);
    return SUCCESS;
  } catch (error) {
    // Commander has already printed its own message (or the help) by the time it throws.
    if (error instanceof CommanderError) return error.exitCode === 0 ? SUCCESS : USAGE;
    output.writeErr(`error: ${oneLine(error)}\n`);
    return exitCodeOf(error);
  }
}

/** The bin's entry: runCli plus what only a whole process should do. */
export async function main(argv: readonly string[]): Promise<number> {
  // `delegations list | head` closes the pipe early: that is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    return await runCli(argv);
  } finally {
    // A handle someone forgot (a socket, a timer) must not keep a finished command alive.
    setTimeout(() => process.exit(), 5000).unref();
  }
}
