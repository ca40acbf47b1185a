import { sql, type SQL } from 'drizzle-orm';
import type { EventType, StoredEvent } from '../../domain/index.js';
import { query, type DrizzleDb } from './db.js';
import { EVENT_COLUMNS, toStoredEvent } from './rows.js';
import { eventsRelation, type LedgerTables } from './schema/tables.js';
import { textList } from './sql-values.js';

/**
 * The last position the sequence handed out, committed or not. It may count positions whose
 * nextval never reached the disk: after a crash those are handed out again. Use it only to
 * know which positions a writer may hold, never as a bound to read or checkpoint up to.
 */
export const sequenceHead = (tables: LedgerTables): SQL =>
  sql`coalesce(pg_sequence_last_value(pg_get_serial_sequence(${eventsRelation(tables)}, 'position')::regclass), 0)`;

/**
 * The highest committed position, at most `atMost`. A commit flushes the WAL holding its
 * nextval, so after a crash the sequence resumes above it: no position at or below it is ever
 * handed out again (with synchronous_commit on, the default and what the ledger's writes need).
 */
export const committedThrough = (tables: LedgerTables, atMost?: SQL | number): SQL =>
  sql`(SELECT coalesce(max(position), 0) FROM ${tables.delegationEvents} ${atMost === undefined ? sql`` : sql`WHERE position <= ${atMost}`})`;

// 'end' is the last committed event, not the sequence head: a tail that starts at the head
// would skip the events that take its unflushed positions again after a crash.
const start = (tables: LedgerTables, startAfter: number | 'end'): SQL => (startAfter === 'end' ? committedThrough(tables) : sql`${startAfter}::bigint`);

/** Events in (after, settled], in position order; only `types` when given. */
export async function readSettledEvents(
  db: DrizzleDb,
  tables: LedgerTables,
  after: number,
  settled: number,
  limit: number,
  types: readonly EventType[] | null,
): Promise<StoredEvent[]> {
  const ofType = types === null ? sql`` : sql`AND type IN (${textList(types)})`;
  const rows = await query(
    db,
    sql`SELECT ${EVENT_COLUMNS} FROM ${tables.delegationEvents}
      WHERE position > ${after} AND position <= ${settled} ${ofType}
      ORDER BY position LIMIT ${limit}`,
  );
  return rows.map(toStoredEvent);
}

/** Where a tail (no checkpoint) starts. */
export async function startPosition(db: DrizzleDb, tables: LedgerTables, startAfter: number | 'end'): Promise<number> {
  const [row] = await query(db, sql`SELECT ${start(tables, startAfter)} AS position`);
  return Number(row?.position ?? 0);
}

/** The subscription's checkpoint, created at its start position on first use. One statement. */
export async function readCheckpoint(db: DrizzleDb, tables: LedgerTables, name: string, startAfter: number | 'end'): Promise<number> {
  const [row] = await query(
    db,
    sql`WITH created AS (
        INSERT INTO ${tables.delegationSubscriptions} (name, position) VALUES (${name}, ${start(tables, startAfter)})
        ON CONFLICT (name) DO NOTHING RETURNING position
      )
      SELECT position FROM created UNION ALL SELECT position FROM ${tables.delegationSubscriptions} WHERE name = ${name} LIMIT 1`,
  );
  return Number(row?.position ?? 0);
}

/** Inside a transaction: the checkpoint, locked until commit. */
export async function lockCheckpoint(db: DrizzleDb, tables: LedgerTables, name: string, startAfter: number | 'end'): Promise<number> {
  await query(
    db,
    sql`INSERT INTO ${tables.delegationSubscriptions} (name, position) VALUES (${name}, ${start(tables, startAfter)}) ON CONFLICT (name) DO NOTHING`,
  );
  const [row] = await query(db, sql`SELECT position FROM ${tables.delegationSubscriptions} WHERE name = ${name} FOR UPDATE`);
  return Number(row?.position ?? 0);
}

/** Moves the checkpoint forward only (a competitor of the same name may be ahead); returns where it is. */
export async function saveCheckpoint(db: DrizzleDb, tables: LedgerTables, name: string, position: number): Promise<number> {
  const [row] = await query(
    db,
    sql`UPDATE ${tables.delegationSubscriptions} SET position = GREATEST(position, ${position}::bigint), updated_at = now()
      WHERE name = ${name} RETURNING position`,
  );
  return Number(row?.position ?? position);
}
