import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { firstIssue, STATUS_FILTERS } from '../admin/list-query.js';
import { encodingProblem } from './guards.js';
import { badRequest } from './problem.js';

/** For routes that take no query: any field at all is refused, so a typo never goes unnoticed. */
export const NO_QUERY = z.strictObject({});

/**
 * The query, each field given once, checked against the route's strict schema:
 * an unknown field, a repeated one or a malformed escape is a 400 naming it.
 */
export function strictQuery<S extends z.ZodObject>(schema: S): MiddlewareHandler<{ Variables: { query: z.output<S> } }> {
  const known = Object.keys(schema.shape);
  return async (c, next) => {
    const raw = new URL(c.req.url).search.slice(1);
    const encoding = encodingProblem(raw.replaceAll('+', ' '));
    if (encoding !== null) return badRequest('query', `${encoding} in the query`);
    const fields: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(raw)) {
      if (name === '') return badRequest('query', 'has a field with no name');
      if (!known.includes(name)) return badRequest(name, unknownFieldMessage(known));
      if (Object.hasOwn(fields, name)) return badRequest(name, 'is given more than once');
      fields[name] = value;
    }
    const parsed = schema.safeParse(fields);
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.error);
      return badRequest(field, message, field === 'status' ? { allowed: STATUS_FILTERS } : {});
    }
    c.set('query', parsed.data);
    return next();
  };
}

function unknownFieldMessage(known: readonly string[]): string {
  return known.length === 0 ? 'is not a known query field: this route takes none' : `is not a known query field; allowed: ${known.join(', ')}`;
}
