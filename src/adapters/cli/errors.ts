import { InvalidInputError } from '../../domain/index.js';

/** The command line was wrong (a bad option value, a missing argument): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command ran and the answer is "no" (refused, not found, mismatches): exit code 1, no stack. */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';
}

export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError || error instanceof InvalidInputError ? 2 : 1;
}

/** Errors go to stderr as one line: the first line of the message, with its cause when that says more. */
export function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error && error.cause.message !== error.message ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`.replace(/\s*\n\s*/g, ' ');
}
