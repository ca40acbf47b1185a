import type { ListPosition } from '../../app/ledger-api.js';
import type { Delegation } from '../../domain/index.js';

/** The opaque cursor of the page after `row`: its creation time and id, base64url JSON. */
export function encodeCursor(row: Pick<Delegation, 'createdAt' | 'delegationId'>): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.delegationId]), 'utf8').toString('base64url');
}

/** The position a cursor names, or null when it is not one this server wrote. */
export function decodeCursor(cursor: string): ListPosition | null {
  if (!/^[A-Za-z0-9_-]{1,1400}$/.test(cursor)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [createdAt, delegationId] = value as unknown[];
  if (typeof createdAt !== 'string' || typeof delegationId !== 'string' || Number.isNaN(Date.parse(createdAt))) return null;
  return { createdAt, delegationId };
}
