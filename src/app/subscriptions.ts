import { inject, injectable } from 'inversify';
import { ConfigurationError, EVENT_TYPES, InvalidInputError, type EventType } from '../domain/index.js';
import type { EventFeed, Logger } from './ports.js';
import { SubscriptionRunner, type RunnerSettings } from './subscription-runner.js';
import { StoreClosedError, type SubscribeOptions, type SubscriptionHandle, type Subscriptions } from './subscriptions-api.js';
import { TOKENS } from './tokens.js';
import { boundedInteger, durationMs, isSafeInteger, MAX_TIMER_MS, optionalBoolean, optionsObject, positiveInteger, requireId } from './validation.js';

const DEFAULT_BATCH_SIZE = 100;
// A batch is one read and one handler call; past this a slow handler holds the checkpoint back too long.
export const MAX_BATCH_SIZE = 10_000;
const DEFAULT_MAX_ATTEMPTS = 5;
const MAX_ATTEMPTS = 1000;
const DEFAULT_RETRY_DELAY_MS = 200;
// Wake-ups (NOTIFY, the in-process signal) normally come first; this only bounds how late a missed one is noticed.
const DEFAULT_POLL_INTERVAL_MS = 1000;

/** Starts and tracks the subscriptions of one container. */
@injectable()
export class SubscriptionService implements Subscriptions {
  private readonly running = new Map<string, SubscriptionRunner>();
  private closed = false;

  constructor(
    @inject(TOKENS.EventFeed) private readonly feed: EventFeed,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  subscribe<Tx = unknown>(options: SubscribeOptions<Tx>): SubscriptionHandle {
    if (this.closed) throw new StoreClosedError();
    const settings = settingsOf(options as SubscribeOptions<unknown>, this.feed.supportsTransactions);
    const name = settings.request.name;
    if (this.running.has(name)) throw new InvalidInputError('name', `a subscription named ${name} is already running here`);
    const runner: SubscriptionRunner = new SubscriptionRunner(this.feed, settings, this.logger, () => {
      // Stryker disable next-line ConditionalExpression: a runner keeps its name until its own end, so no newer runner can hold it here
      if (this.running.get(name) === runner) this.running.delete(name);
    });
    this.running.set(name, runner);
    return runner;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((runner) => runner.stop()));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stopAll();
  }
}

function settingsOf(given: SubscribeOptions<unknown>, supportsTransactions: boolean): RunnerSettings {
  const options = optionsObject('options', given);
  if (typeof options.handler !== 'function') throw new InvalidInputError('handler', 'must be a function');
  const transactional = optionalBoolean('transactional', options.transactional) === true;
  const durable = optionalBoolean('checkpoint', options.checkpoint) !== false;
  if (transactional && !supportsTransactions) {
    throw new ConfigurationError('transactional subscriptions need a database store (PGlite or PostgreSQL)');
  }
  if (transactional && !durable) throw new InvalidInputError('checkpoint', 'a transactional subscription commits its checkpoint');
  const batchSize = positiveInteger('batchSize', options.batchSize) ?? DEFAULT_BATCH_SIZE;
  if (batchSize > MAX_BATCH_SIZE) throw new InvalidInputError('batchSize', `must be at most ${MAX_BATCH_SIZE}`);
  return {
    request: { name: requireId('name', options.name), startAfter: startOf(options.from), types: typesOf(options.types), transactional, durable },
    batchSize,
    maxAttempts: boundedInteger('maxAttempts', options.maxAttempts, MAX_ATTEMPTS) ?? DEFAULT_MAX_ATTEMPTS,
    // Both feed timers, which fire at once past MAX_TIMER_MS: a poll loop would spin.
    retryDelayMs: durationMs('retryDelayMs', options.retryDelayMs, 1, MAX_TIMER_MS) ?? DEFAULT_RETRY_DELAY_MS,
    pollIntervalMs: durationMs('pollIntervalMs', options.pollIntervalMs, 1, MAX_TIMER_MS) ?? DEFAULT_POLL_INTERVAL_MS,
    handler: options.handler,
  };
}

function startOf(from: SubscribeOptions['from']): number | 'end' {
  if (from === undefined || from === 'start') return 0;
  if (from === 'end') return 'end';
  if (isSafeInteger(from) && from >= 1) return from - 1;
  throw new InvalidInputError('from', "must be 'start', 'end' or a position (a positive integer)");
}

function typesOf(types: SubscribeOptions['types']): readonly EventType[] | null {
  if (types === undefined) return null;
  if (!Array.isArray(types) || types.length === 0) throw new InvalidInputError('types', 'must list at least one event type');
  for (const type of types) {
    if (!(EVENT_TYPES as readonly unknown[]).includes(type)) throw new InvalidInputError('types', `unknown event type ${JSON.stringify(type)}`);
  }
  return [...new Set(types)];
}
