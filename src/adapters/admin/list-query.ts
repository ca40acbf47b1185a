import { z } from 'zod';
import { STATUSES } from '../../domain/index.js';
import type { StatusFilter } from '../../app/ledger-api.js';
import { DEFAULT_LIST_LIMIT, DEFAULT_LIST_STATUS, MAX_LIST_LIMIT } from '../../app/ledger.js';

/** What `list` accepts, CLI and HTTP alike: the groups, then every status of the domain. */
export const STATUS_FILTERS = ['in_flight', 'terminal', 'all', ...STATUSES] as const satisfies readonly StatusFilter[];
// The ledger's own defaults: the CLI, HTTP and the library list the same rows when not told otherwise.
export const DEFAULT_STATUS_FILTER = DEFAULT_LIST_STATUS;
export { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT };

export const statusFilterSchema = z.enum(STATUS_FILTERS, {
  error: (issue) => `unknown status ${JSON.stringify(issue.input)}; allowed: ${STATUS_FILTERS.join(', ')}`,
});

const RANGE = `must be between 1 and ${MAX_LIST_LIMIT}`;

// Query strings and argv are text. Only decimal digits: Number() would also take 0x10, 1e3, +5, ' 5' and ''.
export const limitSchema = z
  .string({ error: 'must be a whole number' })
  .regex(/^[0-9]+$/, { error: 'must be a whole number' })
  .transform(Number)
  .pipe(z.number().min(1, { error: RANGE }).max(MAX_LIST_LIMIT, { error: RANGE }));

export const listQuerySchema = z.strictObject({
  status: statusFilterSchema.default(DEFAULT_STATUS_FILTER),
  limit: limitSchema.default(DEFAULT_LIST_LIMIT),
});

export type ListQueryInput = z.infer<typeof listQuerySchema>;

/** The first problem of a failed parse, as the field it concerns and what is wrong with it. */
export function firstIssue(error: z.core.$ZodError): { field: string; message: string } {
  // An unknown field first: `{"calee": ...}` is better told its typo than that calleeId is missing.
  const issue = error.issues.find((candidate) => candidate.code === 'unrecognized_keys') ?? error.issues[0];
  if (issue === undefined) return { field: 'request', message: 'invalid' };
  const field = issue.code === 'unrecognized_keys' ? (issue.keys[0] ?? 'request') : issue.path.map(String).join('.') || 'request';
  const message = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message;
  return { field, message };
}
