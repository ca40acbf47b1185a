import { sql } from 'drizzle-orm';
import { bigint, check, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { EVENT_TYPES, STATUSES } from '../../../domain/index.js';
import { delegations } from './delegations.js';
import { literalList } from './sql-lists.js';

/** The append-only log: numbered per delegation (version) and globally (position). */
export const delegationEvents = pgTable(
  'delegation_events',
  {
    position: bigint('position', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    delegationId: text('delegation_id')
      .notNull()
      .references(() => delegations.delegationId),
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
