import { inject, injectable } from 'inversify';
import type { StoredEvent, SweepPolicy } from '../domain/index.js';
import type { DelegationsConfig } from './config.js';
import type { LastSweep, Sweeper, SweepResult } from './ledger-api.js';
import type { Clock, DelegationStore, Logger } from './ports.js';
import { walkSweep } from './sweep-pages.js';
import { TOKENS } from './tokens.js';

const FAILED: SweepResult = { deadlineFailures: 0, stuckMarked: 0, requeued: 0, retriesExhausted: 0, errors: 1, scanned: 0, skipped: [] };

@injectable()
export class SweeperService implements Sweeper {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  // Each start() begins a new loop; a tick of an older loop (stopped while its sweep awaited) ends there.
  private loop = 0;
  private readonly inProgress = new Set<Promise<SweepResult>>();
  private last: LastSweep | null = null;
  private failures = 0;
  private runs = 0;
  private skippedRows = 0;

  constructor(
    @inject(TOKENS.Store) private readonly store: DelegationStore,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Config) private readonly config: DelegationsConfig,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  get intervalMs(): number {
    return this.config.sweepIntervalMs;
  }

  get thresholdMs(): number {
    return this.config.stuckThresholdMs;
  }

  get lastSweep(): LastSweep | null {
    return this.last;
  }

  get failedSweeps(): number {
    return this.failures;
  }

  get sweepsRun(): number {
    return this.runs;
  }

  get rowsSkipped(): number {
    return this.skippedRows;
  }

  /**
   * One pass. Never throws: a failure is logged and counted in `errors`, and so is a
   * pass still running after one interval (the store stalled: a frozen database), which
   * resolves then as failed while the store call is left to end on its own.
   */
  sweep(): Promise<SweepResult> {
    // Stryker disable next-line ObjectLiteral: an absent overran reads as false, which is all it is tested for
    const state = { overran: false };
    const pass = this.pass(state);
    this.inProgress.add(pass);
    void pass.finally(() => this.inProgress.delete(pass));
    return this.withinInterval(pass, state);
  }

  /** Starts the loop; the first sweep runs at once. Grace is the store's, shared by every sweeper on it. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Stryker disable next-line AssignmentOperator: loop ids are only compared for equality; counting down keeps them distinct
    this.loop += 1;
    this.logger.info({ intervalMs: this.intervalMs, thresholdMs: this.thresholdMs, bootGraceMs: this.config.bootGraceMs }, 'sweeper started');
    await this.tick(this.loop);
  }

  /** Stops the loop and waits for the sweep in progress. */
  async stop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    clearTimeout(this.timer ?? undefined);
    this.timer = null;
    await Promise.all(this.inProgress);
    if (wasRunning) this.logger.info({}, 'sweeper stopped');
  }

  private async tick(loop: number): Promise<void> {
    // Sweeps of the loop never overlap: one still running (past its interval) costs this turn, counted as failed.
    if (this.inProgress.size > 0) this.countFailure('sweep skipped: the previous sweep is still running', {});
    else await this.sweep();
    if (!this.running || loop !== this.loop) return;
    // A timeout chain rather than an interval: sweeps never overlap, however slow one is.
    this.timer = setTimeout(() => void this.tick(loop), this.intervalMs);
    this.timer.unref();
  }

  private async pass(state: { overran: boolean }): Promise<SweepResult> {
    try {
      const now = await this.clock.now();
      const result = await this.sweepAt(now);
      this.last = { at: now, result };
      if (state.overran) this.logger.warn({ ...result }, 'a sweep that overran its interval finished late');
      else this.runs += 1;
      return result;
    } catch (error) {
      // An overrun pass was counted when it overran.
      if (state.overran) this.logger.error({ err: error }, 'a sweep that overran its interval failed');
      else this.countFailure('sweep failed', { err: error });
      return { ...FAILED };
    }
  }

  private withinInterval(pass: Promise<SweepResult>, state: { overran: boolean }): Promise<SweepResult> {
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<SweepResult>((resolve) => {
      timer = setTimeout(() => {
        state.overran = true;
        this.countFailure('sweep overran its interval; counted as failed', { intervalMs: this.intervalMs });
        resolve({ ...FAILED });
      }, this.intervalMs);
      timer.unref();
    });
    return Promise.race([pass, overrun]).finally(() => clearTimeout(timer));
  }

  /** Every pass ends counted once: ok here in pass(), failed (overran, skipped or thrown) here. */
  private countFailure(message: string, fields: Record<string, unknown>): void {
    this.failures += 1;
    this.runs += 1;
    this.logger.error(fields, message);
  }

  private async sweepAt(now: Date): Promise<SweepResult> {
    const { bootGraceMs, outageGapMs } = this.config;
    const start = await this.store.beginSweep(now, { bootGraceMs, outageGapMs });
    if (!start.staleRuleActive) this.logger.debug({ graceFrom: start.graceFrom, bootGraceMs }, 'grace after an outage: only the deadline rule applies');
    const policy: SweepPolicy = { thresholdMs: this.config.stuckThresholdMs, staleRuleActive: start.staleRuleActive };
    const tally = await walkSweep({ store: this.store, now, policy, actor: 'sweeper', logger: this.logger, onEvents: (events) => this.logEvents(events) });
    this.skippedRows += tally.skipped.length;
    const { deadlineFailures, stuckMarked, requeued, retriesExhausted, scanned, skipped, pages } = tally;
    const result = { deadlineFailures, stuckMarked, requeued, retriesExhausted, errors: 0, scanned, skipped };
    if (tally.moved > 0 || skipped.length > 0) {
      this.logger.info({ ...result, skipped: skipped.length, pages, staleRuleActive: policy.staleRuleActive }, 'sweep complete');
    }
    return result;
  }

  private logEvents(events: readonly StoredEvent[]): void {
    for (const event of events) {
      this.logger.info({ delegationId: event.delegationId, event: event.type, from: event.fromStatus, data: event.data }, 'sweeper transition');
    }
  }
}
