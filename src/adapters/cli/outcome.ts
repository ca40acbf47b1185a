import type { TransitionOutcome } from '../../app/ledger-api.js';
import { assertNever } from '../../domain/index.js';
import { CommandFailed } from './errors.js';
import { print, printJson } from './output.js';

/** Prints what an operator's retry or cancel did; a refusal or an unknown id fails the command (exit 1). */
export function reportOutcome(verb: string, outcome: TransitionOutcome, json: boolean | undefined): void {
  if (json) printJson(outcome);
  switch (outcome.outcome) {
    case 'applied': {
      const { event } = outcome;
      if (!json) print(`${event.delegationId}: ${event.fromStatus ?? '-'} -> ${event.toStatus} (${event.type}, attempt ${event.attempt})`);
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
