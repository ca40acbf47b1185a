import type { Logger } from './app/ports.js';
import { runDelegationWith } from './app/runner.js';
import type { RunnerLedger, RunOptions, RunOutcome, RunTarget, RunWork } from './app/runner-api.js';
import { withMethods } from './app/create-options.js';
import { durationMs, MAX_DURATION_MS, MAX_TIMER_MS, optionsObject, requireId } from './app/validation.js';
import { createPinoLogger } from './adapters/logging/pino-logger.js';
import { SystemClock } from './adapters/system/system-clock.js';
import { timersFor } from './adapters/system/system-timers.js';

let sharedLogger: Logger | undefined;

/** One pino logger for every run without its own, made on first use. */
function defaultLogger(): Logger {
  sharedLogger ??= createPinoLogger();
  return sharedLogger;
}

/**
 * Runs an agent's work on one attempt of a delegation, on the ledger's control channel (the
 * in-process ledger, or the HTTP client of `delegation-ledger/client`): see
 * runDelegationWith. Time and timers are the system's unless given (a VirtualClock brings both).
 *
 * @example
 * const outcome = await runDelegation(ledger, { delegationId, attempt }, async ({ signal, progress }) => {
 *   progress(0.5);
 *   return summarise(task, { signal });
 * });
 */
export async function runDelegation<T>(ledger: RunnerLedger, target: RunTarget, work: RunWork<T>, options?: RunOptions): Promise<RunOutcome> {
  const given = optionsObject('options', options);
  // Checked before the first beat starts the delegation: a bad option must not leave it started with no agent.
  withMethods('clock', given.clock, ['now']);
  withMethods('timers', given.timers, ['setTimeout', 'clearTimeout']);
  withMethods('logger', given.logger, ['debug', 'info', 'warn', 'error', 'child']);
  const clock = given.clock ?? new SystemClock();
  return runDelegationWith(ledger, target, work, {
    intervalMs: durationMs('intervalMs', given.intervalMs, 1, MAX_TIMER_MS),
    thresholdMs: durationMs('thresholdMs', given.thresholdMs, 1, MAX_DURATION_MS),
    clock,
    timers: given.timers ?? timersFor(clock),
    logger: given.logger ?? defaultLogger(),
    actor: given.actor === undefined ? 'agent' : requireId('actor', given.actor),
  });
}
