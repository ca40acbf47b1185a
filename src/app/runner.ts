import { InvalidInputError, isTerminal, type Delegation, type RefusalReason } from '../domain/index.js';
import type { HeartbeatGoOn, SetStatusOptions, TransitionOutcome } from './ledger-api.js';
import type { TimerHandle } from './ports.js';
import {
  DelegationStoppedError,
  type RunContext,
  type RunnerLedger,
  type RunOutcome,
  type RunSettings,
  type RunStopReason,
  type RunTarget,
  type RunWork,
} from './runner-api.js';
import { MAX_TIMER_MS, positiveInteger, progressValue, requireId } from './validation.js';

/**
 * Runs an agent's work on a delegation: starts it with a first heartbeat, beats on an interval
 * (one beat in flight at most, carrying the latest progress), aborts the work's signal when a
 * beat answers stop or the deadline passes, and reports the outcome: completed with the
 * returned value, failed with the thrown error's message. Once the signal fired it reports
 * nothing. A start beat the store fails rejects (nothing ran); later failed beats are retried.
 */
export async function runDelegationWith<T>(ledger: RunnerLedger, target: RunTarget, work: RunWork<T>, settings: RunSettings): Promise<RunOutcome> {
  const { delegationId, attempt } = runTarget(target);
  if (typeof work !== 'function') throw new InvalidInputError('work', 'must be a function');
  const start = await ledger.heartbeat(delegationId, { attempt });
  if (start.stop) return { status: 'stopped', reason: start.reason, delegation: start.delegation };
  const run = new Run(ledger, { delegationId, attempt }, settings, start);
  return run.execute(work);
}

function runTarget(target: RunTarget): RunTarget {
  if (typeof target !== 'object' || target === null) throw new InvalidInputError('target', 'must be { delegationId, attempt }');
  const attempt = positiveInteger('attempt', target.attempt);
  if (attempt === undefined) throw new InvalidInputError('attempt', 'must be a positive integer');
  return { delegationId: requireId('delegationId', target.delegationId), attempt };
}

/** One run's state: its beats, its deadline, its signal. */
class Run {
  private readonly abort = new AbortController();
  private readonly intervalMs: number;
  private delegation: Delegation;
  private stopped: RunStopReason | null = null;
  private finished = false;
  private beating = false;
  private pendingProgress: number | undefined;
  private failedBeats = 0;
  private beatTimer: TimerHandle | null = null;
  private deadlineTimer: TimerHandle | null = null;

  constructor(
    private readonly ledger: RunnerLedger,
    private readonly target: RunTarget,
    private readonly settings: RunSettings,
    start: HeartbeatGoOn,
  ) {
    this.delegation = start.delegation;
    // The answer names the threshold the sweeper applies (its own, or the ledger's configured one).
    const thresholdMs = start.delegation.heartbeatTimeoutMs ?? settings.thresholdMs ?? start.heartbeatTimeoutMs;
    // Three beats per threshold: one lost or late beat never makes a live agent look stuck.
    this.intervalMs = settings.intervalMs ?? Math.min(Math.max(Math.floor(thresholdMs / 3), 1), MAX_TIMER_MS);
  }

  async execute<T>(work: RunWork<T>): Promise<RunOutcome> {
    const now = await this.settings.clock.now();
    this.armDeadline(this.delegation.deadline.getTime() - now.getTime());
    if (this.stopped !== null) return { status: 'stopped', reason: this.stopped, delegation: this.delegation };
    this.beatTimer = this.settings.timers.setTimeout(this.tick, this.intervalMs);
    let ended: { value: T } | { error: unknown };
    try {
      ended = { value: await work(this.context()) };
    } catch (error) {
      ended = { error };
    }
    this.finish();
    if (this.stopped !== null) return { status: 'stopped', reason: this.stopped, delegation: this.delegation };
    return 'value' in ended ? this.complete(ended.value) : this.fail(ended.error);
  }

  private context(): RunContext {
    return {
      signal: this.abort.signal,
      delegation: this.delegation,
      progress: (value) => {
        this.pendingProgress = progressValue(value);
      },
      requestInput: (question) => this.requestInput(question),
    };
  }

  /** Fixed rate: the next tick is set before this one's beat, and skipped beats wait for the one in flight. */
  private readonly tick = (): void => {
    if (this.finished) return;
    this.beatTimer = this.settings.timers.setTimeout(this.tick, this.intervalMs);
    if (!this.beating) void this.beat();
  };

  private async beat(): Promise<void> {
    this.beating = true;
    const progress = this.pendingProgress;
    this.pendingProgress = undefined;
    try {
      const outcome = await this.ledger.heartbeat(this.target.delegationId, { attempt: this.target.attempt, progress });
      if (this.failedBeats > 0) this.settings.logger.info({ ...this.target, failedBeats: this.failedBeats }, 'heartbeats reach the ledger again');
      this.failedBeats = 0;
      if (outcome.delegation !== null) this.delegation = outcome.delegation;
      if (outcome.stop) this.stop(outcome.reason);
    } catch (error) {
      this.failedBeats += 1;
      // Not lost: a newer progress wins, else this one goes with the next beat.
      this.pendingProgress ??= progress;
      this.settings.logger.warn(
        { ...this.target, failedBeats: this.failedBeats, retryInMs: this.intervalMs, err: error },
        'heartbeat failed; retrying at the next interval',
      );
    } finally {
      this.beating = false;
    }
  }

  private armDeadline(remainingMs: number): void {
    if (remainingMs <= 0) {
      this.stop('deadline');
      return;
    }
    // A deadline weeks away is past what one timer holds: wake on the way and set the rest.
    const step = Math.min(remainingMs, MAX_TIMER_MS);
    this.deadlineTimer = this.settings.timers.setTimeout(() => this.armDeadline(remainingMs - step), step);
  }

  private stop(reason: RunStopReason): void {
    if (this.finished || this.stopped !== null) return;
    this.stopped = reason;
    this.clearTimers();
    this.settings.logger.info({ ...this.target, reason }, 'run stopped: the signal is aborted');
    this.abort.abort(new DelegationStoppedError(this.target.delegationId, this.target.attempt, reason));
  }

  private finish(): void {
    this.finished = true;
    this.clearTimers();
  }

  private clearTimers(): void {
    if (this.beatTimer !== null) this.settings.timers.clearTimeout(this.beatTimer);
    if (this.deadlineTimer !== null) this.settings.timers.clearTimeout(this.deadlineTimer);
    this.beatTimer = null;
    this.deadlineTimer = null;
  }

  private async complete(value: unknown): Promise<RunOutcome> {
    let result: string | null;
    try {
      result = typeof value === 'string' ? value : (JSON.stringify(value) ?? null);
    } catch (error) {
      return this.fail(new Error(`the result could not be serialised: ${messageOf(error)}`));
    }
    const reported = await this.report('completed', result === null ? {} : { resultPreview: result });
    if (reported.outcome === 'applied' || reported.outcome === 'unchanged') return { status: 'completed', result, delegation: reported.delegation };
    return stoppedBy(reported);
  }

  private async fail(error: unknown): Promise<RunOutcome> {
    const message = messageOf(error);
    const retryable = isRetryable(error);
    const reported = await this.report('failed', { errorDetail: message, retryable });
    if (reported.outcome === 'applied' || reported.outcome === 'unchanged')
      return { status: 'failed', error: message, retryable, delegation: reported.delegation };
    return stoppedBy(reported);
  }

  /**
   * The report, retried on the beat interval while the store fails (the work is done and must
   * not be lost to an outage), until the deadline: past it the sweeper fails the delegation.
   */
  private async report(status: 'completed' | 'failed', options: SetStatusOptions): Promise<TransitionOutcome | Stopped> {
    for (let failures = 1; ; failures += 1) {
      try {
        return await this.ledger.setStatus(this.target.delegationId, status, { ...options, attempt: this.target.attempt, actor: this.settings.actor });
      } catch (error) {
        this.settings.logger.warn({ ...this.target, status, failures, retryInMs: this.intervalMs, err: error }, 'report failed; retrying');
      }
      const now = await this.settings.clock.now();
      if (now.getTime() + this.intervalMs > this.delegation.deadline.getTime()) return { outcome: 'stopped', reason: 'deadline', delegation: this.delegation };
      await new Promise<void>((resolve) => this.settings.timers.setTimeout(resolve, this.intervalMs));
    }
  }

  private async requestInput(question: string): Promise<string> {
    const signal = this.abort.signal;
    signal.throwIfAborted();
    const asked = await this.ledger.requestInput(this.target.delegationId, { question, attempt: this.target.attempt, actor: this.settings.actor });
    if (asked.outcome === 'refused' || asked.outcome === 'not_found') {
      this.stop(stoppedBy(asked).reason);
      signal.throwIfAborted();
    }
    const answered = await this.ledger.waitFor(this.target.delegationId, { until: ['in_progress'], signal });
    this.delegation = answered;
    if (isTerminal(answered.status)) {
      this.stop(answered.status);
      signal.throwIfAborted();
    }
    const history = await this.ledger.history(this.target.delegationId);
    const resumed = history.filter((event) => event.type === 'resumed' && event.attempt === this.target.attempt).at(-1);
    return resumed?.type === 'resumed' ? (resumed.data.answer ?? '') : '';
  }
}

type Stopped = { readonly outcome: 'stopped'; readonly reason: RunStopReason; readonly delegation: Delegation };

/** A report the ledger would not take, as the run's stop reason. */
function stoppedBy(reported: Exclude<TransitionOutcome, { outcome: 'applied' | 'unchanged' }> | Stopped): Extract<RunOutcome, { status: 'stopped' }> {
  if (reported.outcome === 'stopped') return { status: 'stopped', reason: reported.reason, delegation: reported.delegation };
  if (reported.outcome === 'not_found') return { status: 'stopped', reason: 'not_found', delegation: null };
  const { delegation } = reported;
  const reason = isTerminal(delegation.status) ? delegation.status : refusalReason(reported.reason);
  return { status: 'stopped', reason, delegation };
}

function refusalReason(refusal: RefusalReason): RunStopReason {
  switch (refusal) {
    case 'stale_attempt':
      return 'superseded';
    case 'unknown_attempt':
    case 'not_available':
    case 'not_found':
      return refusal;
    default:
      return 'refused';
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message === '' ? error.name : error.message;
  return String(error);
}

/** RetryableError, or any error that says `retryable: true`. */
function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}
