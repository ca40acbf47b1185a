import { UsageError } from './errors.js';

const PROTOCOLS = ['postgres:', 'postgresql:'];
const EXAMPLE = 'postgres://user@host:5432/database';

/** DATABASE_URL must be a PostgreSQL URL: anything else would reach pg as a host name (getaddrinfo ENOTFOUND base). */
export function parseDatabaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`DATABASE_URL: not a URL; expected ${EXAMPLE}`);
  }
  if (!PROTOCOLS.includes(url.protocol)) {
    throw new UsageError(`DATABASE_URL: ${url.protocol.replace(/:$/, '')} is not PostgreSQL; expected ${EXAMPLE}`);
  }
  // A socket directory in ?host= stands in for the host name (postgres:///db?host=/run/postgresql).
  if (url.hostname === '' && !url.searchParams.has('host')) throw new UsageError(`DATABASE_URL: names no host; expected ${EXAMPLE}`);
  if (url.pathname.length > 1 && decodeOr(url.pathname.slice(1)) === null)
    throw new UsageError('DATABASE_URL: the database name is not valid percent-encoding');
  return raw;
}

function decodeOr(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** A hint for the failures an operator can fix from the command line; null for the rest. */
export function databaseHint(error: unknown): string | null {
  const codes = codesOf(error);
  const message = messagesOf(error).find((text) => /database ".*" does not exist/.test(text));
  if (codes.includes('3D000') || message !== undefined) {
    return `${message ?? 'the database does not exist'}; create it (createdb NAME) or fix DATABASE_URL`;
  }
  if (codes.includes('28P01') || codes.includes('28000')) return 'the server refused the user or password in DATABASE_URL';
  if (codes.includes('ECONNREFUSED')) return 'nothing answers at that address; is PostgreSQL running, and are host and port in DATABASE_URL right?';
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) return 'the host name in DATABASE_URL does not resolve';
  return null;
}

/** Codes and SQLSTATEs along the cause chain (pg errors, their wrappers, typed database errors). */
function codesOf(error: unknown): string[] {
  return chain(error).flatMap((e) => [e.code, e.sqlState].filter((c): c is string => typeof c === 'string'));
}

function messagesOf(error: unknown): string[] {
  return chain(error).flatMap((e) => (typeof e.message === 'string' ? [e.message] : []));
}

type Link = { code?: unknown; sqlState?: unknown; message?: unknown; cause?: unknown; errors?: unknown };

function chain(error: unknown): Link[] {
  const links: Link[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && links.length < 20) {
    const next = queue.shift();
    if (typeof next !== 'object' || next === null) continue;
    const link = next as Link;
    links.push(link);
    queue.push(link.cause);
    // node's AggregateError (every address refused) carries the reasons in errors[].
    if (Array.isArray(link.errors)) queue.push(...link.errors);
  }
  return links;
}
