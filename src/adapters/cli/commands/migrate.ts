import type { Command } from 'commander';
import { DataDirectoryInUseError } from '../../drizzle/pglite-lock.js';
import { CommandFailed } from '../errors.js';
import { JSON_FLAG, print, printJson, type OutputOptions } from '../output.js';
import { addStoreOptions, chooseStore, databaseEnv, describeStore } from '../store.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('migrate')
      .description('apply the committed migrations (run and every other command also do this on start)')
      .option(...JSON_FLAG),
  ).action(async (options: OutputOptions, command: Command) => {
    const choice = chooseStore(command);
    const database = await databaseEnv(choice);
    try {
      const { migrate } = await import('../../../migrate.js');
      await migrate(
        choice.kind === 'postgres'
          ? { ...database, store: 'postgres', connectionString: choice.connectionString }
          : { ...database, store: 'pglite', dataDir: choice.dataDir },
      );
    } catch (error) {
      if (error instanceof DataDirectoryInUseError) throw new CommandFailed(error.message);
      throw new Error(`cannot migrate ${describeStore(choice)}`, { cause: error });
    }
    if (options.json) printJson({ migrated: true, store: describeStore(choice) });
    else print(`migrated ${describeStore(choice)}`);
  });
}
