import pg from 'pg';
import { migratePostgres } from '../../src/drizzle.js';

export const SERVER_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const BENCH_DATABASE = process.env.BENCH_PG_DATABASE ?? 'delegations_bench';
export const BENCH_URL = `${SERVER_URL}/${BENCH_DATABASE}`;

/** Drops and recreates the bench database, then applies the library's migrations. */
export async function recreateDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: `${SERVER_URL}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
  const pool = new pg.Pool({ connectionString: BENCH_URL, max: 1 });
  try {
    await migratePostgres(pool);
  } finally {
    await pool.end();
  }
}

export function benchPool(max: number): pg.Pool {
  return new pg.Pool({ connectionString: BENCH_URL, max });
}

export async function serverVersion(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ version: string }>('SELECT version()');
  return rows[0]?.version ?? 'unknown';
}
