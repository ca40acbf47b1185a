import type { TransitionOutcome } from '../../app/ledger-api.js';
import { assertNever, type StoredEvent } from '../../domain/index.js';
import { CommandFailed } from './errors.js';
import { print, printJson } from './output.js';

/** Prints what a command's transition did; a refusal or an unknown id fails the command (exit 1). */
export function reportOutcome(verb: string, outcome: TransitionOutcome, json: boolean | undefined): void {
  if (json) printJson(outcome);
  switch (outcome.outcome) {
    case 'applied': {
      const { event } = outcome;
      if (!json)
        print(`${event.delegationId}: ${event.fromStatus ?? '-'} -> ${event.toStatus} (${[event.type, `attempt ${event.attempt}`, ...why(event)].join(', ')})`);
      return;
    }
    case 'unchanged':
      if (!json) print(`${outcome.delegation.delegationId} is already ${outcome.delegation.status}: nothing changed`);
      return;
    case 'refused':
      throw new CommandFailed(`${verb} refused (${outcome.reason}): ${outcome.message}`);
    case 'not_found':
      throw new CommandFailed(`delegation ${outcome.delegationId} not found`);
    default:
      assertNever(outcome);
  }
}

/** A requeue says why and when the next attempt may run; a failure that ended the retries says so in its detail. */
function why(event: StoredEvent): string[] {
  if (event.type === 'requeued') {
    const { reason, availableAt } = event.data;
    return [reason ?? 'operator', availableAt ? `available at ${availableAt}` : 'available now'];
  }
  if (event.type === 'failed' && event.data.error !== null) return [event.data.error];
  return [];
}
