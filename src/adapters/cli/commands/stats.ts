import type { Command } from 'commander';
import { IN_FLIGHT_STATUSES, STATUSES } from '../../../domain/index.js';
import { JSON_FLAG, print, printJson, table, type OutputOptions } from '../output.js';
import { addStoreOptions, withStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('stats')
      .description('count delegations per status (every status, zeros included)')
      .option(...JSON_FLAG),
  ).action(async (options: OutputOptions, command: Command) => {
    const counts = await withStore(command, {}, (d) => d.ledger.stats());
    if (options.json) return printJson(counts);
    const inFlight = IN_FLIGHT_STATUSES.reduce((sum, status) => sum + counts[status], 0);
    const total = STATUSES.reduce((sum, status) => sum + counts[status], 0);
    print(table(['status', 'count'], [...STATUSES.map((status) => [status, counts[status]]), ['(in flight)', inFlight], ['(total)', total]]));
  });
}
