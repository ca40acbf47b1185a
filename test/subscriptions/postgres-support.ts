import { sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { query, type DrizzleDb } from '../../src/adapters/drizzle/db.js';

export type HeldTransaction = { readonly db: DrizzleDb; commit(): Promise<void>; rollback(): Promise<void> };

/** Transactions on connections of their own, held open between steps; rollbackAll() ends what a failed case left open. */
export function heldTransactions(pool: pg.Pool) {
  const open = new Set<() => Promise<void>>();
  return {
    async begin(): Promise<HeldTransaction> {
      const client = await pool.connect();
      await client.query('BEGIN');
      let ended = false;
      const end = async (statement: string) => {
        if (ended) return;
        ended = true;
        open.delete(rollback);
        try {
          await client.query(statement);
        } finally {
          client.release();
        }
      };
      const rollback = () => end('ROLLBACK');
      open.add(rollback);
      return { db: drizzle(client) as unknown as DrizzleDb, commit: () => end('COMMIT'), rollback };
    },
    rollbackAll: () => Promise.all([...open].map((rollback) => rollback())),
  };
}

/** Reads `position > checkpoint` (and `where`), then moves the checkpoint to the last row it read. */
export function naiveReader(db: DrizzleDb, where: SQL = sql`TRUE`) {
  const seen: number[] = [];
  let checkpoint = 0;
  return {
    seen,
    async poll(): Promise<void> {
      const rows = await query(db, sql`SELECT position FROM delegation_events WHERE position > ${checkpoint} AND ${where} ORDER BY position`);
      for (const row of rows) seen.push(Number(row.position));
      checkpoint = seen.at(-1) ?? checkpoint;
    },
  };
}
