import type { Command } from 'commander';
import type { Delegation } from '../../../domain/index.js';
import { DEFAULT_LIST_LIMIT, DEFAULT_STATUS_FILTER, firstIssue, listQuerySchema, MAX_LIST_LIMIT, STATUS_FILTERS } from '../../admin/list-query.js';
import { UsageError } from '../errors.js';
import { JSON_FLAG, print, printJson, table, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('list')
      .description('list delegations, newest first')
      .option('--status <status>', `one of: ${STATUS_FILTERS.join(', ')}`, DEFAULT_STATUS_FILTER)
      .option('--limit <n>', `at most this many rows (1-${MAX_LIST_LIMIT})`, String(DEFAULT_LIST_LIMIT))
      .option(...JSON_FLAG),
  ).action(async (options: OutputOptions & { status: string; limit: string }, command: Command) => {
    // Digits only: a number parser would take '', '0x10', '1e3' and '+5' as limits.
    if (!/^\d+$/.test(options.limit)) throw new UsageError('--limit: must be a whole number');
    const parsed = listQuerySchema.safeParse({ status: options.status, limit: options.limit });
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.error);
      throw new UsageError(`--${field}: ${message}`);
    }
    const rows = await withStore(command, {}, (d) => d.ledger.list(parsed.data));
    if (options.json) printJson(rows);
    else print(rows.length === 0 ? `no ${parsed.data.status} delegations` : listTable(rows));
  });
}

export function listTable(rows: readonly Delegation[]): string {
  return table(
    ['id', 'status', 'attempt', 'callee', 'created', 'last heartbeat', 'deadline', 'detail'],
    rows.map((d) => [d.delegationId, d.status, d.attempt, d.calleeId, d.createdAt, d.lastHeartbeat, d.deadline, d.errorDetail ?? d.resultPreview]),
  );
}
