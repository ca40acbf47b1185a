import type pg from 'pg';
import type { Ack } from './load.js';

export type LoggedEvent = {
  readonly position: number;
  readonly delegationId: string;
  readonly version: number;
  readonly type: string;
  readonly toStatus: string;
};

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** The whole log, in position order, read straight from the table. */
export async function readLog(pool: pg.Pool): Promise<LoggedEvent[]> {
  const { rows } = await pool.query('SELECT position, delegation_id, version, type, to_status FROM delegation_events ORDER BY position');
  return rows.map((row) => ({
    position: Number(row.position),
    delegationId: String(row.delegation_id),
    version: Number(row.version),
    type: String(row.type),
    toStatus: String(row.to_status),
  }));
}

export type LogAudit = {
  /** Acknowledged writes missing from the log (or there with another status). */
  readonly lost: number;
  /** Status changes after a terminal one: a terminal status that changed. */
  readonly reversed: number;
  /** Delegations with more than one terminal event. */
  readonly doubleTerminal: number;
};

export function auditLog(log: readonly LoggedEvent[], acks: readonly Ack[]): LogAudit {
  const byKey = new Map(log.map((event) => [`${event.delegationId}#${event.version}`, event]));
  const lost = acks.filter((ack) => byKey.get(`${ack.delegationId}#${ack.version}`)?.toStatus !== ack.toStatus).length;
  const terminalSeen = new Map<string, number>();
  let reversed = 0;
  for (const event of log) {
    const seen = terminalSeen.get(event.delegationId) ?? 0;
    if (event.type === 'detail_recorded') continue;
    if (seen > 0) reversed += 1;
    if (TERMINAL.has(event.toStatus)) terminalSeen.set(event.delegationId, seen + 1);
  }
  const doubleTerminal = [...terminalSeen.values()].filter((count) => count > 1).length;
  return { lost, reversed, doubleTerminal };
}

export type DeliveryAudit = {
  readonly delivered: number;
  /** Committed events never delivered. */
  readonly skipped: number;
  /** Deliveries of an event already delivered (at-least-once redelivery). */
  readonly duplicated: number;
  /** First deliveries below a position already delivered. */
  readonly outOfOrder: number;
  /** Delivered positions that are not in the log at the end (an event a crash took back). */
  readonly phantom: number;
};

export function auditDeliveries(received: readonly number[], log: readonly LoggedEvent[]): DeliveryAudit {
  const inLog = new Set(log.map((event) => event.position));
  const seen = new Set<number>();
  let duplicated = 0;
  let outOfOrder = 0;
  let highest = 0;
  for (const position of received) {
    if (seen.has(position)) {
      duplicated += 1;
      continue;
    }
    if (position < highest) outOfOrder += 1;
    highest = Math.max(highest, position);
    seen.add(position);
  }
  const skipped = log.filter((event) => !seen.has(event.position)).length;
  const phantom = [...seen].filter((position) => !inLog.has(position)).length;
  return { delivered: seen.size, skipped, duplicated, outOfOrder, phantom };
}

/** One line per test on stderr, so a run's counts can be read off its output. */
export function report(test: string, counts: Record<string, number | string>): void {
  const fields = Object.entries(counts).map(([name, value]) => `${name}=${value}`);
  process.stderr.write(`[faults] ${test}: ${fields.join(' ')}\n`);
}
