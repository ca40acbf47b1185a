import type { Ledger } from '../../../app/ledger-api.js';
import type { RunOutcome } from '../../../app/runner-api.js';
import { silentLogger } from '../../logging/pino-logger.js';
import type { VirtualClock } from '../../memory/virtual-clock.js';
import { runDelegation } from '../../../runner.js';
import { DEMO_SETTINGS, RUNNER_AGENT } from './agents.js';

/** The runner agent while it runs: how far it got, and how its run ended once it has. */
export type Translator = { chapters: number; outcome: RunOutcome | null; readonly done: Promise<RunOutcome> };

/**
 * The agent as one is written with runDelegation: plain work that reports progress and honours
 * its signal. The runner starts it, beats for it on the virtual clock's timers, aborts the signal
 * when a beat answers stop, and reports the result (or, once stopped, nothing).
 */
export function startTranslator(ledger: Ledger, clock: VirtualClock): Translator {
  const translator: Translator = {
    chapters: 0,
    outcome: null,
    done: runDelegation(
      ledger,
      { delegationId: RUNNER_AGENT.id, attempt: 1 },
      async ({ signal, progress }) => {
        for (let chapter = 1; chapter <= RUNNER_AGENT.chapters; chapter += 1) {
          await sleep(clock, RUNNER_AGENT.chapterS * 1000, signal);
          translator.chapters = chapter;
          progress(chapter);
        }
        return `${RUNNER_AGENT.chapters} chapters translated`;
      },
      // The ledger's threshold: the runner beats every third of it.
      { clock, thresholdMs: DEMO_SETTINGS.thresholdS * 1000, logger: silentLogger, actor: RUNNER_AGENT.id },
    ).then((outcome) => {
      translator.outcome = outcome;
      return outcome;
    }),
  };
  return translator;
}

/** Waits on the virtual clock; an aborted signal ends the wait with its reason, as well-behaved work does. */
function sleep(clock: VirtualClock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
