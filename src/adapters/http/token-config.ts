import { readFile } from 'node:fs/promises';
import { ConfigurationError } from '../../domain/index.js';
import { parseTokenTable, TOKENS_FILE_VARIABLE, TOKENS_VARIABLE, type TokenTable } from './identity.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The token table from DELEGATIONS_TOKENS (the JSON inline) or DELEGATIONS_TOKENS_FILE (a path
 * to it); null when neither is set. Both set, an unreadable file or a table without an entry
 * stop start-up with a message that names the variable (and the entry and field at fault).
 */
export async function readTokenTable(env: Env, read: (path: string) => Promise<string> = (path) => readFile(path, 'utf8')): Promise<TokenTable | null> {
  const inline = nonEmpty(env[TOKENS_VARIABLE]);
  const file = nonEmpty(env[TOKENS_FILE_VARIABLE]);
  if (inline !== null && file !== null) throw new ConfigurationError(`set ${TOKENS_VARIABLE} or ${TOKENS_FILE_VARIABLE}, not both`);
  if (inline === null && file === null) return null;
  let text: string;
  if (file === null) text = inline as string;
  else {
    try {
      text = await read(file);
    } catch (error) {
      throw new ConfigurationError(`${TOKENS_FILE_VARIABLE}: cannot read ${JSON.stringify(file)} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
  const table = parseTokenTable(text, file === null ? TOKENS_VARIABLE : TOKENS_FILE_VARIABLE);
  if (table.entries.length === 0) {
    throw new ConfigurationError(`${file === null ? TOKENS_VARIABLE : TOKENS_FILE_VARIABLE} lists no token; leave it unset for the loopback-only admin API`);
  }
  return table;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value;
}
