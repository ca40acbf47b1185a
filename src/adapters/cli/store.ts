import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ConfigOverrides } from '../../app/config.js';
import type { Logger } from '../../app/ports.js';
import type { Delegations } from '../../delegations.js';
import type { WiredDelegations, WiringOptions } from '../../wiring.js';
import { createPinoLogger } from '../logging/pino-logger.js';
import { DataDirectoryError, dataDirState } from '../drizzle/data-dir.js';
import { DataDirectoryInUseError } from '../drizzle/pglite-lock.js';
import { CommandFailed, UsageError } from './errors.js';
import { databaseHint, parseDatabaseUrl } from './database-url.js';

export const DEFAULT_DATA_DIR = '.delegations';

export type StoreChoice = { readonly kind: 'postgres'; readonly connectionString: string } | { readonly kind: 'pglite'; readonly dataDir: string };

type Env = Readonly<Record<string, string | undefined>>;

export function addStoreOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'embedded PGlite data directory, used when DATABASE_URL is not set', DEFAULT_DATA_DIR)
    .addHelpText('after', '\nWith DATABASE_URL set, the command uses that PostgreSQL server instead of PGlite.');
}

/** DATABASE_URL picks PostgreSQL; otherwise PGlite in --data-dir. Both at once is ambiguous, so refused. */
export function chooseStore(command: Command, env: Env = process.env): StoreChoice {
  const dataDir = String(command.opts().dataDir ?? DEFAULT_DATA_DIR);
  const url = env.DATABASE_URL?.trim();
  if (url) {
    if (command.getOptionValueSource('dataDir') === 'cli') throw new UsageError('--data-dir and DATABASE_URL both given; unset one');
    return { kind: 'postgres', connectionString: parseDatabaseUrl(url) };
  }
  // An empty path resolves to the current directory: a cluster would be spilled among the user's files.
  if (dataDir.trim() === '') throw new UsageError('--data-dir: must not be empty');
  if (dataDir.includes('\u0000')) throw new UsageError('--data-dir: must not contain NUL characters');
  return { kind: 'pglite', dataDir: resolve(dataDir) };
}

/**
 * Only `run` and `migrate` create a ledger. Every other command needs one to be
 * there already: a read in the wrong directory must say so, not create 39 MB of
 * empty cluster and report zeros.
 */
export async function checkDataDir(choice: StoreChoice, purpose: 'create' | 'existing'): Promise<void> {
  if (choice.kind !== 'pglite') return;
  const { dataDir } = choice;
  let state: Awaited<ReturnType<typeof dataDirState>>;
  try {
    state = await dataDirState(dataDir);
  } catch (error) {
    throw new UsageError(`--data-dir: ${(error as Error).message}`);
  }
  if (state === 'ledger') return;
  if (state === 'not-a-directory') throw new UsageError(`--data-dir: ${dataDir} is not a directory`);
  if (purpose === 'existing') {
    throw new UsageError(`no ledger in ${dataDir}: pass --data-dir with the daemon's directory, set DATABASE_URL, or create one with \`delegations migrate\``);
  }
  if (state === 'other') throw new UsageError(`--data-dir: ${dataDir} is not empty and holds no ledger; choose a new or empty directory`);
}

/** Where the data lives, for logs and messages: never the password. */
export function describeStore(choice: StoreChoice): string {
  if (choice.kind === 'pglite') return `PGlite in ${choice.dataDir}`;
  try {
    const url = new URL(choice.connectionString);
    return `PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** LOG_LEVEL wins; one-shot commands default to warn so their own output stays readable. */
export function cliLogger(defaultLevel: 'info' | 'warn', env: Env = process.env): Logger {
  return createPinoLogger({ level: env.LOG_LEVEL || defaultLevel });
}

export type OpenOptions = ConfigOverrides & { readonly logger: Logger };

/** Opens (and migrates) the chosen store; PGlite holds its data-directory lock until close. */
export function openStore(choice: StoreChoice, options: OpenOptions, env: Env = process.env): Promise<Delegations> {
  // Loaded here, not at the top: --help and usage errors then answer without loading the database drivers.
  return opening(choice, env, async (store) => (await import('../../delegations.js')).createDelegations({ ...options, ...store }));
}

/** The same, with the store and clock in reach and the store decorated: the daemon's wiring. */
export function openServices(
  choice: StoreChoice,
  options: OpenOptions & Pick<WiringOptions, 'decorateStore'>,
  env: Env = process.env,
): Promise<WiredDelegations> {
  return opening(choice, env, async (store) => (await import('../../delegations.js')).openDelegations({ ...options, ...store }));
}

type DatabaseSettings = Awaited<ReturnType<typeof databaseEnv>>;
type StoreOption = DatabaseSettings &
  ({ readonly store: 'postgres'; readonly connectionString: string } | { readonly store: 'pglite'; readonly dataDir: string });

async function opening<T>(choice: StoreChoice, env: Env, open: (store: StoreOption) => Promise<T>): Promise<T> {
  const database = await databaseEnv(choice, env);
  try {
    return await open(
      choice.kind === 'postgres'
        ? { ...database, store: 'postgres', connectionString: choice.connectionString }
        : { ...database, store: 'pglite', dataDir: choice.dataDir },
    );
  } catch (error) {
    throw storeFailure(`cannot open ${describeStore(choice)}`, error);
  }
}

/** DELEGATIONS_SCHEMA and the other database settings; PGlite takes only the schema. */
export async function databaseEnv(choice: StoreChoice, env: Env = process.env) {
  const { databaseOptionsFromEnv } = await import('../drizzle/database-env.js');
  const { schema, ...postgres } = databaseOptionsFromEnv(env);
  return choice.kind === 'postgres' ? { schema, ...postgres } : { schema };
}

/** What went wrong opening a store, as one line with a hint where there is one. */
export function storeFailure(doing: string, error: unknown): Error {
  if (error instanceof DataDirectoryInUseError) return new CommandFailed(error.message);
  if (error instanceof DataDirectoryError) return new UsageError(`--data-dir: ${error.message}`);
  const hint = databaseHint(error);
  return hint === null ? new Error(doing, { cause: error }) : new CommandFailed(`${doing}: ${hint}`);
}

/** Runs `work` on an open store and always closes it. */
export async function withStore<T>(command: Command, options: Partial<OpenOptions>, work: (d: Delegations) => Promise<T>): Promise<T> {
  const choice = chooseStore(command);
  await checkDataDir(choice, 'existing');
  const delegations = await openStore(choice, { logger: cliLogger('warn'), ...options });
  try {
    return await work(delegations);
  } finally {
    await delegations.close();
  }
}

/** A fresh PGlite directory is created off the main thread, so a daemon's /healthz keeps answering meanwhile (see createPgliteInWorker). */
export async function prepareStore(choice: StoreChoice, env: Env = process.env): Promise<void> {
  if (choice.kind !== 'pglite') return;
  const { schema } = await databaseEnv(choice, env);
  try {
    const { createPgliteInWorker } = await import('../drizzle/pglite-create.js');
    await createPgliteInWorker(choice.dataDir, schema);
  } catch (error) {
    throw storeFailure(`cannot create ${describeStore(choice)}`, error);
  }
}
