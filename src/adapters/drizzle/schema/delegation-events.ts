import { sql } from 'drizzle-orm';
import { bigint, check, integer, jsonb, pgTable, text, timestamp, unique, type PgTableFn } from 'drizzle-orm/pg-core';
import { EVENT_TYPES, STATUSES } from '../../../domain/index.js';
import { delegations, type delegationsTable } from './delegations.js';
import { literalList } from './sql-lists.js';

type DelegationsTable = ReturnType<typeof delegationsTable<string>>;

/** The log's table, built by `table` next to the projection it references. */
export const delegationEventsTable = <S extends string | undefined>(table: PgTableFn<S>, projection: typeof delegations | DelegationsTable) =>
  table(
    'delegation_events',
    {
      position: bigint('position', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
      delegationId: text('delegation_id')
        .notNull()
        .references(() => projection.delegationId),
      version: integer('version').notNull(),
      attempt: integer('attempt').notNull(),
      type: text('type').notNull(),
      fromStatus: text('from_status'),
      toStatus: text('to_status').notNull(),
      actor: text('actor').notNull(),
      details: jsonb('details').notNull(),
      occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3, mode: 'date' }).notNull(),
    },
    (t) => [
      unique('delegation_events_stream_version').on(t.delegationId, t.version),
      check('delegation_events_type_check', sql`${t.type} IN ${literalList(EVENT_TYPES)}`),
      check('delegation_events_to_status_check', sql`${t.toStatus} IN ${literalList(STATUSES)}`),
      check('delegation_events_from_status_check', sql`${t.fromStatus} IS NULL OR ${t.fromStatus} IN ${literalList(STATUSES)}`),
    ],
  );

/** The append-only log: numbered per delegation (version) and globally (position). */
export const delegationEvents = delegationEventsTable(pgTable, delegations);
