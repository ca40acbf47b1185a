import { sql } from 'drizzle-orm';
import { bigint, check, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, type PgTableFn } from 'drizzle-orm/pg-core';
import { IN_FLIGHT_STATUSES, STATUSES, TERMINAL_STATUSES } from '../../../domain/index.js';
import { literalList } from './sql-lists.js';

// Millisecond precision: every stamp comes from a JavaScript Date, so the database
// never holds a finer time than the application can compare.
const stamp = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });

/** The projection's table, built by `table` (pgTable, or a host schema's `.table`). */
export const delegationsTable = <S extends string | undefined>(table: PgTableFn<S>) =>
  table(
    'delegations',
    {
      delegationId: text('delegation_id').primaryKey(),
      callerId: text('caller_id').notNull(),
      calleeId: text('callee_id').notNull(),
      taskPreview: text('task_preview').notNull(),
      status: text('status').notNull(),
      attempt: integer('attempt').notNull(),
      version: integer('version').notNull(),
      lastHeartbeat: stamp('last_heartbeat'),
      activeSince: stamp('active_since'),
      deadline: stamp('deadline').notNull(),
      heartbeatTimeoutMs: bigint('heartbeat_timeout_ms', { mode: 'number' }),
      progress: doublePrecision('progress'),
      resultPreview: text('result_preview'),
      errorDetail: text('error_detail'),
      idempotencyKey: text('idempotency_key'),
      // The RetryPolicy as the domain spells it (camelCase keys), fixed at create; null: no automatic retry.
      retry: jsonb('retry'),
      availableAt: stamp('available_at'),
      createdAt: stamp('created_at').notNull(),
      updatedAt: stamp('updated_at').notNull(),
    },
    (t) => [
      check('delegations_status_check', sql`${t.status} IN ${literalList(STATUSES)}`),
      check('delegations_attempt_check', sql`${t.attempt} >= 1`),
      check('delegations_heartbeat_timeout_check', sql`${t.heartbeatTimeoutMs} IS NULL OR ${t.heartbeatTimeoutMs} > 0`),
      // The sweep reads only in-flight rows; terminal history must not cost it anything.
      index('delegations_in_flight_idx')
        .on(t.status, t.deadline)
        .where(sql`${t.status} IN ${literalList(IN_FLIGHT_STATUSES)}`),
      // Claims read the queued rows of one callee, oldest first: only those, in that order.
      index('delegations_claim_idx').on(t.calleeId, t.createdAt, t.delegationId).where(sql`${t.status} = 'queued'`),
      // Retention walks terminal rows oldest first. A heartbeat never writes updated_at (or a
      // terminal row), so this index costs heartbeats nothing and keeps their updates HOT.
      index('delegations_terminal_updated_idx')
        .on(t.updatedAt, t.delegationId)
        .where(sql`${t.status} IN ${literalList(TERMINAL_STATUSES)}`),
      index('delegations_caller_idx').on(t.callerId, t.createdAt),
      index('delegations_callee_idx').on(t.calleeId, t.createdAt),
      index('delegations_created_idx').on(t.createdAt),
      uniqueIndex('delegations_idempotency_idx').on(t.callerId, t.idempotencyKey).where(sql`${t.idempotencyKey} IS NOT NULL`),
    ],
  );

/** The projection: the current state of each delegation, written with its events. */
export const delegations = delegationsTable(pgTable);
