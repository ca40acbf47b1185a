import type { Command } from 'commander';
import { DEFAULT_DEADLINE_MS } from '../../../app/config.js';
import { MAX_DURATION_MS } from '../../../app/validation.js';
import { DEFAULT_RETRY_POLICY } from '../../../domain/index.js';
import { retryFlag, timeFlag, wholeNumber } from '../flags.js';
import { JSON_FLAG, print, printJson, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';
import { stateFields } from './show.js';

type CreateFlags = OutputOptions & {
  readonly caller: string;
  readonly callee: string;
  readonly task: string;
  readonly id?: string;
  readonly deadline?: string;
  readonly heartbeatTimeoutMs?: string;
  readonly idempotencyKey?: string;
  readonly retry?: string | false;
};

const POLICY_DEFAULTS = Object.entries(DEFAULT_RETRY_POLICY)
  .map(([field, value]) => `${field} ${value}`)
  .join(', ');

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('create')
      .description('record a new delegation, queued for its callee')
      .requiredOption('--caller <id>', 'who hands the work over')
      .requiredOption('--callee <id>', 'who is to do it (the id `claim --callee` names)')
      .requiredOption('--task <text>', 'what is to be done (kept up to 4 KiB)')
      .option('--id <id>', 'the delegation id (default: a generated UUID)')
      .option('--deadline <time>', `ISO 8601 time it must be done by (default: ${DEFAULT_DEADLINE_MS / 3_600_000} hours from now)`)
      .option('--heartbeat-timeout-ms <ms>', "silence after which its agent is marked stuck (default: the sweeper's threshold)")
      .option('--idempotency-key <key>', 'a repeated create with the same caller and key returns the first delegation')
      .option('--retry <json>', 'automatic retry policy as JSON, e.g. \'{"maxAttempts":3}\'; fields left out take the defaults below')
      .option('--no-retry', 'no automatic retry, even where DELEGATION_RETRY sets a default policy')
      .option(...JSON_FLAG)
      .addHelpText(
        'after',
        `\nRetry policy fields and their defaults: ${POLICY_DEFAULTS} (requeueStuckAfterMs null: stuck delegations wait for an operator).\n` +
          'Without --retry or --no-retry a delegation takes the configured default: DELEGATION_RETRY, or no automatic retry.',
      ),
  ).action(async (flags: CreateFlags, command: Command) => {
    const input = {
      callerId: flags.caller,
      calleeId: flags.callee,
      task: flags.task,
      delegationId: flags.id,
      deadline: timeFlag('--deadline', flags.deadline),
      heartbeatTimeoutMs:
        flags.heartbeatTimeoutMs === undefined ? undefined : wholeNumber('--heartbeat-timeout-ms', flags.heartbeatTimeoutMs, 1, MAX_DURATION_MS),
      idempotencyKey: flags.idempotencyKey,
      retry: retryFlag(flags.retry),
    };
    const delegation = await withStore(command, {}, (d) => d.ledger.create(input));
    if (flags.json) printJson(delegation);
    else print(stateFields(delegation));
  });
}
