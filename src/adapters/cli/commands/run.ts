import { Option, type Command } from 'commander';
import { z } from 'zod';
import { CommandFailed, UsageError } from '../errors.js';
import { addStoreOptions, chooseStore, cliLogger } from '../store.js';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

const portSchema = z.coerce.number().int().min(0).max(65535);

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('run')
      .description('run the sweeper daemon and the admin HTTP API until SIGINT or SIGTERM (what `npm start` does)')
      .addOption(new Option('--port <port>', `port of the admin API (0 picks a free one)`).env('PORT').default(String(DEFAULT_PORT)))
      .addOption(new Option('--host <host>', 'address to listen on; needs DELEGATIONS_ADMIN_TOKEN unless loopback').env('HOST').default(DEFAULT_HOST))
      .addHelpText(
        'after',
        '\nEnvironment: DELEGATIONS_ADMIN_TOKEN (bearer token for every route but /healthz), LOG_LEVEL,\n' +
          'DELEGATION_SWEEPER_INTERVAL_S, DELEGATION_STUCK_THRESHOLD_S. See the README for all of them.',
      ),
  ).action(async (options: { port: string; host: string }, command: Command) => {
    const port = portSchema.safeParse(options.port);
    if (!port.success) throw new UsageError(`invalid port ${JSON.stringify(options.port)} (--port or PORT): must be 0-65535`);
    const token = process.env.DELEGATIONS_ADMIN_TOKEN?.trim() || null;
    const settings = { choice: chooseStore(command), port: port.data, host: options.host, token, logger: cliLogger('info') };
    const { runDaemon } = await import('../../../main/daemon.js');
    if ((await runDaemon(settings)) !== 0) throw new CommandFailed('the daemon stopped because the sweeper could not start (logged above)');
  });
}
