import type { Command } from 'commander';
import type { Delegation, RetryPolicy, Status, StoredEvent } from '../../../domain/index.js';
import { CommandFailed } from '../errors.js';
import { fields, JSON_FLAG, print, printJson, table, type Cell, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('show')
      .description('show one delegation: its current state and its history of events')
      .argument('<id>', 'delegation id')
      .option(...JSON_FLAG),
  ).action(async (id: string, options: OutputOptions, command: Command) => {
    const found = await withStore(command, {}, async (d) => {
      const delegation = await d.ledger.get(id);
      return delegation === null ? null : { delegation, history: await d.ledger.history(id) };
    });
    if (found === null) throw new CommandFailed(`delegation ${id} not found`);
    if (options.json) printJson(found);
    else print(`${stateFields(found.delegation)}\n\nhistory\n${historyTable(found.history)}`);
  });
}

export function stateFields(d: Delegation): string {
  return fields({
    id: d.delegationId,
    status: d.status,
    attempt: d.attempt,
    caller: d.callerId,
    callee: d.calleeId,
    task: d.taskPreview,
    deadline: d.deadline,
    'heartbeat timeout': d.heartbeatTimeoutMs === null ? 'default' : `${d.heartbeatTimeoutMs} ms`,
    retry: retrySummary(d.retry),
    'available at': d.availableAt,
    'last heartbeat': d.lastHeartbeat,
    progress: d.progress,
    result: d.resultPreview,
    [detailLabel(d.status)]: d.errorDetail,
    created: d.createdAt,
    updated: d.updatedAt,
    version: d.version,
  });
}

/** What the error detail holds in each status: the agent's question while it waits, the why of an ending. */
function detailLabel(status: Status): string {
  if (status === 'input_required') return 'question';
  if (status === 'cancelled' || status === 'rejected') return 'reason';
  return 'error';
}

function retrySummary(policy: RetryPolicy | null): string {
  if (policy === null) return 'none';
  const { maxAttempts, initialDelayMs, backoffFactor, maxDelayMs, jitter, requeueStuckAfterMs } = policy;
  const stuck = requeueStuckAfterMs === null ? 'stuck waits for an operator' : `stuck requeued after ${requeueStuckAfterMs} ms`;
  return `${maxAttempts} attempts, backoff ${initialDelayMs} ms x${backoffFactor} up to ${maxDelayMs} ms, jitter ${jitter}, ${stuck}`;
}

export function historyTable(events: readonly StoredEvent[], time: (at: Date) => Cell = (at) => at): string {
  return table(
    ['v', 'position', 'at', 'event', 'from', 'to', 'actor', 'attempt', 'details'],
    events.map((e) => [e.version, e.position, time(e.occurredAt), e.type, e.fromStatus, e.toStatus, e.actor, e.attempt, details(e)]),
  );
}

function details(event: StoredEvent): string {
  // The created event repeats the row's own fields; the others carry the why (detail, reason, result).
  if (event.type === 'created') return '';
  return eventDetails(event)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

// The why first, then when, then the rest: a database hands jsonb back in its own key order.
const DETAIL_ORDER = ['reason', 'availableAt', 'error', 'detail', 'question', 'answer', 'result', 'silentForMs', 'progress', 'viaHeartbeat'];

/** An event's data without empty fields, in one order whatever store it came from. */
export function eventDetails(event: StoredEvent): [string, unknown][] {
  const rank = (key: string) => (DETAIL_ORDER.includes(key) ? DETAIL_ORDER.indexOf(key) : DETAIL_ORDER.length);
  return Object.entries(event.data)
    .filter(([, value]) => value !== null && value !== undefined)
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}
