import type { Ledger, PruneResult } from './ledger-api.js';
import type { Logger, TimerHandle, Timers } from './ports.js';
import { DEFAULT_PRUNE_BATCH, MAX_PRUNE_BATCH } from './retention.js';
import { MAX_DURATION_MS, MAX_TIMER_MS } from './validation.js';

/** The horizon in seconds: terminal delegations that ended longer ago are pruned. Unset: no retention (the default). */
export const ENV_RETENTION = 'DELEGATION_RETENTION_S';
/** Seconds between prunes; default an hour. */
export const ENV_RETENTION_INTERVAL = 'DELEGATION_RETENTION_INTERVAL_S';
/** Delegations per prune transaction; default DEFAULT_PRUNE_BATCH. */
export const ENV_RETENTION_BATCH = 'DELEGATION_RETENTION_BATCH';

// Retention is about days and months: pruning more often than hourly buys nothing but round trips.
export const DEFAULT_RETENTION_INTERVAL_MS = 60 * 60_000;

export type RetentionSettings = { readonly olderThanMs: number; readonly intervalMs: number; readonly batchSize: number };

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The daemon's retention from its environment; null when DELEGATION_RETENTION_S is unset. A
 * value that cannot be used logs a warning naming the variable: a bad horizon turns retention
 * off (deleting by a guess is worse than keeping), a bad interval or batch takes the default.
 */
export function retentionFromEnv(env: Env, logger: Logger): RetentionSettings | null {
  const horizon = env[ENV_RETENTION];
  if (horizon === undefined || horizon.trim() === '') return null;
  const olderThanMs = seconds(horizon, MAX_DURATION_MS);
  if (olderThanMs === null) {
    logger.warn({ variable: ENV_RETENTION, value: horizon }, `invalid ${ENV_RETENTION} (a positive whole number of seconds): retention is off`);
    return null;
  }
  const intervalRaw = env[ENV_RETENTION_INTERVAL];
  let intervalMs = intervalRaw === undefined || intervalRaw === '' ? DEFAULT_RETENTION_INTERVAL_MS : seconds(intervalRaw, MAX_TIMER_MS);
  if (intervalMs === null) {
    logger.warn(
      { variable: ENV_RETENTION_INTERVAL, value: intervalRaw, fallbackMs: DEFAULT_RETENTION_INTERVAL_MS },
      `invalid ${ENV_RETENTION_INTERVAL}, using the default`,
    );
    intervalMs = DEFAULT_RETENTION_INTERVAL_MS;
  }
  const batchRaw = env[ENV_RETENTION_BATCH];
  let batchSize = batchRaw === undefined || batchRaw === '' ? DEFAULT_PRUNE_BATCH : whole(batchRaw, MAX_PRUNE_BATCH);
  if (batchSize === null) {
    logger.warn({ variable: ENV_RETENTION_BATCH, value: batchRaw, fallback: DEFAULT_PRUNE_BATCH }, `invalid ${ENV_RETENTION_BATCH}, using the default`);
    batchSize = DEFAULT_PRUNE_BATCH;
  }
  return { olderThanMs, intervalMs, batchSize };
}

function whole(raw: string, max: number): number | null {
  // Number() skips the same surrounding whitespace that trim() drops.
  const value = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(value) && value > 0 && value <= max ? value : null;
}

function seconds(raw: string, maxMs: number): number | null {
  const value = whole(raw, Math.floor(maxMs / 1000));
  return value === null ? null : value * 1000;
}

/**
 * Prunes on a timer: the first right after start, then one interval after each ends. A failed
 * prune is logged and counted and the loop goes on; stop() ends the prune in progress between
 * two batches and waits for it.
 */
export class RetentionLoop {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private abort: AbortController | null = null;
  // Stryker disable next-line BooleanLiteral: start() sets it before anything reads it
  private stopped = false;
  failedPrunes = 0;
  lastResult: PruneResult | null = null;

  constructor(
    private readonly ledger: Pick<Ledger, 'prune'>,
    private readonly timers: Timers,
    private readonly logger: Logger,
    readonly settings: RetentionSettings,
  ) {}

  start(): void {
    this.stopped = false;
    this.logger.info({ ...this.settings }, 'retention started');
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.abort?.abort();
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.running = this.pass().finally(() => {
        this.running = null;
        this.schedule(this.settings.intervalMs);
      });
    }, ms);
  }

  private async pass(): Promise<void> {
    this.abort = new AbortController();
    const { olderThanMs, batchSize } = this.settings;
    try {
      this.lastResult = await this.ledger.prune({ olderThanMs, batchSize, signal: this.abort.signal });
    } catch (error) {
      this.failedPrunes += 1;
      this.logger.error({ err: error, failedPrunes: this.failedPrunes }, 'prune failed; the next one tries again');
    } finally {
      this.abort = null;
    }
  }
}
