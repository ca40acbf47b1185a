import type { Command } from 'commander';
import type { StoredEvent } from '../../../domain/index.js';
import { UsageError } from '../errors.js';
import { cell, print } from '../output.js';
import { followRemote, TOKEN_VARIABLE } from '../remote-events.js';
import { addStoreOptions, withStore } from '../store.js';
import { eventDetails } from './show.js';

type EventsOptions = { readonly from?: string; readonly follow?: boolean; readonly json?: boolean; readonly url?: string; readonly token?: string };

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('events')
      .description('print the event log in position order, from a position on; --follow keeps printing new events')
      .option('--from <position>', 'first position to print', '1')
      .option('--follow', 'keep printing events as they are appended, until interrupted')
      .option('--json', 'one JSON object per line (for scripts) instead of columns')
      .option('--url <url>', "with --follow: read a running daemon's event stream (GET /v1/events) instead of opening the database")
      .option('--token <token>', `with --url: the bearer token (default: ${TOKEN_VARIABLE})`)
      .addHelpText('after', '\nA daemon on PGlite holds its data directory: follow it with --url http://127.0.0.1:8080.'),
  ).action(async (options: EventsOptions, command: Command) => {
    const from = positionOf(options.from);
    const format = options.json ? (event: StoredEvent) => JSON.stringify(event) : line;
    if (options.url !== undefined) return followDaemon(options, from, format, command);
    if (options.token !== undefined) throw new UsageError('--token: only with --url');
    await withStore(command, {}, async (d) => {
      // A tail: the same reader as a subscription, so it never prints past a position an open
      // transaction could still fill, but it keeps no checkpoint.
      const tail = d.subscribe({
        name: `cli-events-${process.pid}`,
        from,
        checkpoint: false,
        batchSize: 500,
        handler: (events) => print(events.map(format).join('\n')),
      });
      if (options.follow) await interrupted();
      else await tail.caughtUp();
      await tail.stop();
      await tail.done;
    });
  });
}

async function followDaemon(options: EventsOptions, from: number, format: (event: StoredEvent) => string, command: Command): Promise<void> {
  if (!options.follow) throw new UsageError('--url: only with --follow (the stream of a daemon has no end to stop at)');
  if (command.getOptionValueSource('dataDir') === 'cli') throw new UsageError('--url and --data-dir both given; the daemon reads its own');
  const abort = new AbortController();
  void interrupted().then(() => abort.abort());
  const token = options.token ?? process.env[TOKEN_VARIABLE] ?? null;
  await followRemote({
    url: options.url as string,
    token: token === '' ? null : token,
    from,
    print: (event) => print(format(event)),
    signal: abort.signal,
    warn: (message) => process.stderr.write(`warning: ${message}\n`),
  });
}

function positionOf(value: string | undefined): number {
  // Digits only: Number() would take '', '0x10', '1e3' and ' 5' as positions.
  const position = /^\d+$/.test(value ?? '') ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(position) || position < 1) throw new UsageError(`--from: expected a position (a positive integer), got ${JSON.stringify(value)}`);
  return position;
}

function line(event: StoredEvent): string {
  const move = `${event.fromStatus ?? '-'} -> ${event.toStatus}`;
  const columns = [
    String(event.position).padStart(8),
    cell(event.occurredAt),
    event.type.padEnd(15),
    event.delegationId,
    move,
    event.actor,
    `attempt ${event.attempt}`,
  ];
  const data = eventDetails(event);
  const details = event.type === 'created' || data.length === 0 ? '' : JSON.stringify(Object.fromEntries(data));
  return [...columns, details].join('  ').trimEnd();
}

function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
