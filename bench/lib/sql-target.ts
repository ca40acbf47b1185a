import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

type Rows = { rows: Record<string, unknown>[]; rowCount?: number | null };

/** A connection the raw-SQL competitors drive: one session, statements in order. */
export type SqlSession = { query(text: string, params?: unknown[]): Promise<Rows> };

/** Where raw SQL runs: node-postgres (a pooled client per unit of work) or PGlite (its one session). */
export type SqlTarget = SqlSession & { withSession<T>(work: (session: SqlSession) => Promise<T>): Promise<T> };

export function pgTarget(pool: pg.Pool): SqlTarget {
  return {
    query: (text, params) => pool.query(text, params) as Promise<Rows>,
    async withSession(work) {
      const client = await pool.connect();
      try {
        return await work({ query: (text, params) => client.query(text, params) as Promise<Rows> });
      } finally {
        client.release();
      }
    },
  };
}

export function pgliteTarget(client: PGlite): SqlTarget {
  const session: SqlSession = { query: (text, params) => client.query(text, params) as Promise<Rows> };
  return { ...session, withSession: (work) => work(session) };
}

/** Runs a fixture's statements with foreign-key triggers off (the rows are consistent by construction), then VACUUM ANALYZE. */
export async function load(target: SqlTarget, statements: readonly string[], pglite = false): Promise<void> {
  await target.withSession(async (s) => {
    if (!pglite) await s.query('SET session_replication_role = replica');
    for (const statement of statements) await s.query(statement);
    if (!pglite) await s.query('SET session_replication_role = DEFAULT');
  });
  await target.query('VACUUM ANALYZE delegations');
  await target.query('VACUUM ANALYZE delegation_events');
  // Every run starts right after a checkpoint: a load writes hundreds of MB of WAL, and a
  // checkpoint falling inside one competitor's run, or a first touch of a page after one,
  // would otherwise land on whoever happens to be timed then.
  if (!pglite) await target.query('CHECKPOINT');
}
