import type { Command } from 'commander';
import { JSON_FLAG, print, printJson, type OutputOptions } from '../output.js';
import { addStoreOptions, checkDataDir, chooseStore, databaseEnv, describeStore, storeFailure } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('migrate')
      .description('apply the committed migrations (run and every other command also do this on start)')
      .option(...JSON_FLAG),
  ).action(async (options: OutputOptions, command: Command) => {
    const choice = chooseStore(command);
    await checkDataDir(choice, 'create');
    const database = await databaseEnv(choice);
    try {
      const { migrate } = await import('../../../migrate.js');
      await migrate(
        choice.kind === 'postgres'
          ? { ...database, store: 'postgres', connectionString: choice.connectionString }
          : { ...database, store: 'pglite', dataDir: choice.dataDir },
      );
    } catch (error) {
      throw storeFailure(`cannot migrate ${describeStore(choice)}`, error);
    }
    if (options.json) printJson({ migrated: true, store: describeStore(choice) });
    else print(`migrated ${describeStore(choice)}`);
  });
}
