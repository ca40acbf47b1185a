import { hashToken, newToken, parseTokenTable, type TokenEntry } from '../adapters/http/identity.js';

export type TokenRequest =
  | { readonly role: 'admin'; readonly name: string }
  | { readonly role: 'caller'; readonly name: string; readonly callerId: string }
  | { readonly role: 'agent'; readonly name: string; readonly calleeId: string };

/**
 * A new random token and the table entry that admits it: the secret is shown once and never
 * stored; the entry holds only its SHA-256. The entry is checked as the daemon will read it.
 */
export function mintToken(request: TokenRequest): { token: string; entry: TokenEntry } {
  const token = newToken();
  const entry = { ...request, sha256: hashToken(token) } as TokenEntry;
  parseTokenTable(JSON.stringify([entry]), 'the new entry');
  return { token, entry };
}
