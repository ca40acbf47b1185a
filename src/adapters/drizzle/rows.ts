import { sql, type SQL } from 'drizzle-orm';
import type { Delegation, RetryPolicy, StoredEvent } from '../../domain/index.js';
import type { Row } from './db.js';

const DELEGATION_FIELDS: readonly (readonly [column: string, field: string])[] = [
  ['delegation_id', 'delegationId'],
  ['caller_id', 'callerId'],
  ['callee_id', 'calleeId'],
  ['task_preview', 'taskPreview'],
  ['status', 'status'],
  ['attempt', 'attempt'],
  ['version', 'version'],
  ['last_heartbeat', 'lastHeartbeat'],
  ['active_since', 'activeSince'],
  ['deadline', 'deadline'],
  ['heartbeat_timeout_ms', 'heartbeatTimeoutMs'],
  ['progress', 'progress'],
  ['result_preview', 'resultPreview'],
  ['error_detail', 'errorDetail'],
  ['idempotency_key', 'idempotencyKey'],
  ['retry', 'retry'],
  ['available_at', 'availableAt'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
];

/** The projection's columns under the domain's names, for SELECT and RETURNING lists. */
export function delegationColumns(alias?: string): SQL {
  const prefix = alias === undefined ? '' : `${alias}.`;
  return sql.raw(DELEGATION_FIELDS.map(([column, field]) => `${prefix}${column} AS "${field}"`).join(', '));
}

export const DELEGATION_COLUMNS = delegationColumns();

export const EVENT_COLUMNS = sql.raw(
  [
    'position',
    'delegation_id AS "delegationId"',
    'version',
    'attempt',
    'type',
    'from_status AS "fromStatus"',
    'to_status AS "toStatus"',
    'actor',
    'details AS "data"',
    'occurred_at AS "occurredAt"',
  ].join(', '),
);

// The drivers differ: node-postgres returns int8 as a string, PGlite as a number;
// timestamps arrive as Date from both, but a string is accepted too.
const date = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));
export const dateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : date(value));
const numberOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
// jsonb arrives parsed from both drivers, and as an object inside row_to_json; text only through a raw read.
const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);
const retryOrNull = (value: unknown): RetryPolicy | null => (value === null || value === undefined ? null : (json(value) as RetryPolicy | null));

export function toDelegation(row: Row): Delegation {
  return {
    delegationId: String(row.delegationId),
    callerId: String(row.callerId),
    calleeId: String(row.calleeId),
    taskPreview: String(row.taskPreview),
    status: row.status,
    attempt: Number(row.attempt),
    version: Number(row.version),
    lastHeartbeat: dateOrNull(row.lastHeartbeat),
    activeSince: dateOrNull(row.activeSince),
    deadline: date(row.deadline),
    heartbeatTimeoutMs: numberOrNull(row.heartbeatTimeoutMs),
    progress: numberOrNull(row.progress),
    resultPreview: (row.resultPreview ?? null) as string | null,
    errorDetail: (row.errorDetail ?? null) as string | null,
    idempotencyKey: (row.idempotencyKey ?? null) as string | null,
    retry: retryOrNull(row.retry),
    availableAt: dateOrNull(row.availableAt),
    createdAt: date(row.createdAt),
    updatedAt: date(row.updatedAt),
  } as Delegation;
}

export function toStoredEvent(row: Row): StoredEvent {
  const data = json(row.data);
  return {
    position: Number(row.position),
    delegationId: String(row.delegationId),
    version: Number(row.version),
    attempt: Number(row.attempt),
    type: row.type,
    fromStatus: (row.fromStatus ?? null) as StoredEvent['fromStatus'],
    toStatus: row.toStatus,
    actor: String(row.actor),
    data,
    occurredAt: date(row.occurredAt),
  } as StoredEvent;
}
