import { Option, type Command } from 'commander';
import { CommandFailed, UsageError } from '../errors.js';
import { addStoreOptions, checkDataDir, chooseStore, cliLogger } from '../store.js';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('run')
      .description('run the sweeper daemon and the admin HTTP API until SIGINT or SIGTERM (what `npm start` does)')
      .addOption(new Option('--port <port>', `port of the admin API (0 picks a free one)`).env('PORT').default(String(DEFAULT_PORT)))
      .addOption(
        new Option('--host <host>', 'address to listen on; needs a token (DELEGATIONS_ADMIN_TOKEN or DELEGATIONS_TOKENS) unless loopback')
          .env('HOST')
          .default(DEFAULT_HOST),
      )
      .addHelpText(
        'after',
        '\nEnvironment: DELEGATIONS_ADMIN_TOKEN (an admin bearer token), DELEGATIONS_TOKENS or DELEGATIONS_TOKENS_FILE\n' +
          '(the hashed admin, caller and agent tokens: see `delegations token create`), LOG_LEVEL,\n' +
          'DELEGATION_SWEEPER_INTERVAL_S, DELEGATION_STUCK_THRESHOLD_S, DELEGATION_OUTAGE_GAP_S, DELEGATION_RETRY (the default\n' +
          'retry policy, JSON), DELEGATION_RETENTION_S (off unless set: prune terminal delegations that ended more than\n' +
          'this many seconds ago, every DELEGATION_RETENTION_INTERVAL_S, default 3600, in batches of DELEGATION_RETENTION_BATCH,\n' +
          'default 1000). See the README for all of them.',
      ),
  ).action(async (options: { port: string; host: string }, command: Command) => {
    const port = portOf(options.port);
    const host = options.host.trim();
    if (host === '') throw new UsageError('invalid host "" (--host or HOST): name an address to listen on, e.g. 127.0.0.1');
    const choice = chooseStore(command);
    const { runDaemon, readTokenTable } = await import('../../../main/daemon.js');
    // Read before anything is opened or created: a table that cannot be used stops start-up naming the variable.
    const tokens = await readTokenTable(process.env);
    await checkDataDir(choice, 'create');
    const token = process.env.DELEGATIONS_ADMIN_TOKEN?.trim() || null;
    const settings = { choice, port, host, token, tokens, logger: cliLogger('info') };
    let code: number;
    try {
      code = await runDaemon(settings);
    } catch (error) {
      throw listenFailure(error, settings) ?? error;
    }
    if (code !== 0) throw new CommandFailed('the daemon stopped because the sweeper could not start (logged above)');
  });
}

/** Digits only: an empty --port or PORT would otherwise be 0, a random port nobody asked for. */
function portOf(raw: string): number {
  const port = /^\d{1,5}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`invalid port ${JSON.stringify(raw)} (--port or PORT): must be 0-65535`);
  return port;
}

function listenFailure(error: unknown, { port, host }: { port: number; host: string }): Error | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return new CommandFailed(`port ${port} on ${host} is in use (another daemon?); choose another with --port or PORT`);
  if (code === 'EACCES') return new CommandFailed(`not allowed to listen on port ${port} on ${host}; choose a port above 1023 with --port or PORT`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new CommandFailed(`cannot listen on ${host}: no such local address (--host or HOST)`);
  return null;
}
