import type { Command } from 'commander';
import { lockDataDir } from '../data-dir-lock.js';
import { JSON_FLAG, print, printJson, type OutputOptions } from '../output.js';
import { addStoreOptions, chooseStore, describeStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('migrate')
      .description('apply the committed migrations (run and every other command also do this on start)')
      .option(...JSON_FLAG),
  ).action(async (options: OutputOptions, command: Command) => {
    const choice = chooseStore(command);
    const release = choice.kind === 'pglite' ? await lockDataDir(choice.dataDir) : async () => undefined;
    try {
      const { migrate } = await import('../../../migrate.js');
      await migrate(choice.kind === 'postgres' ? { store: 'postgres', connectionString: choice.connectionString } : { store: 'pglite', dataDir: choice.dataDir });
    } catch (error) {
      throw new Error(`cannot migrate ${describeStore(choice)}`, { cause: error });
    } finally {
      await release();
    }
    if (options.json) printJson({ migrated: true, store: describeStore(choice) });
    else print(`migrated ${describeStore(choice)}`);
  });
}
