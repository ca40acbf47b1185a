import type { Command } from 'commander';
import { DEFAULT_PRUNE_BATCH, MAX_PRUNE_BATCH } from '../../../app/retention.js';
import { TERMINAL_STATUSES } from '../../../domain/index.js';
import { durationFlag, wholeNumber } from '../flags.js';
import { fields, JSON_FLAG, print, printJson, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

type PruneFlags = OutputOptions & { readonly olderThan: string; readonly batchSize?: string; readonly dryRun?: boolean };

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('prune')
      .description(`delete ${TERMINAL_STATUSES.join('/')} delegations that ended before a horizon, with their events (retention)`)
      .requiredOption('--older-than <span>', 'the horizon: what ended longer ago than this goes (90s, 45m, 12h, 30d, 8w)')
      .option('--batch-size <n>', `delegations deleted per transaction, 1 to ${MAX_PRUNE_BATCH} (default ${DEFAULT_PRUNE_BATCH})`)
      .option('--dry-run', 'count what would go and who holds the rest back; delete nothing')
      .option(...JSON_FLAG)
      .addHelpText(
        'after',
        '\nIn-flight delegations are never deleted, and neither is an event a subscription has not read yet: a\n' +
          'delegation with an event past the lowest checkpoint stays, and the subscriptions behind are named.\n' +
          'A pruned delegation is gone for good: its id and idempotency key may be used again.\n' +
          'The daemon prunes on its own with DELEGATION_RETENTION_S (see `delegations run --help`).',
      ),
  ).action(async (flags: PruneFlags, command: Command) => {
    const olderThanMs = durationFlag('--older-than', flags.olderThan);
    const batchSize = flags.batchSize === undefined ? undefined : wholeNumber('--batch-size', flags.batchSize, 1, MAX_PRUNE_BATCH);
    const result = await withStore(command, {}, (d) => d.ledger.prune({ olderThanMs, batchSize, dryRun: flags.dryRun === true }));
    if (flags.json) {
      printJson(result);
      return;
    }
    const held = result.heldBackBy === null ? 'none' : result.heldBackBy.map((h) => `${h.subscription} at ${h.position}`).join(', ');
    const counts =
      result.wouldDelete === null
        ? { 'delegations deleted': result.delegationsDeleted, 'events deleted': result.eventsDeleted, batches: result.batches }
        : { 'would delete delegations': result.wouldDelete.delegations, 'would delete events': result.wouldDelete.events };
    print(fields({ horizon: result.horizon.toISOString(), ...counts, 'held back by': held }));
  });
}
