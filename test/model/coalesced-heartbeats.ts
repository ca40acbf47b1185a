import fc from 'fast-check';
import { expect } from 'vitest';
import type { HeartbeatOutcome, Ledger } from '../../src/app/ledger-api.js';

/** The delegations every run starts from: one per status a beat can meet, and attempts 1 and 2. */
export const FLEET = ['queued', 'dispatched', 'running', 'running2', 'stuck', 'waiting', 'completed', 'cancelled'] as const;
export const IDS = [...FLEET, 'missing'] as const;

/** Builds the fleet through the ledger, as a host would: the same calls on every store. */
export async function buildFleet(ledger: Ledger): Promise<void> {
  for (const id of FLEET) await ledger.create({ callerId: 'caller', calleeId: 'agent', task: 'work', delegationId: id });
  const moves: [string, Parameters<Ledger['setStatus']>[1]][] = [
    ['dispatched', 'dispatched'],
    ['running', 'in_progress'],
    ['running2', 'in_progress'],
    ['running2', 'stuck'],
    ['running2', 'queued'],
    ['running2', 'in_progress'],
    ['stuck', 'in_progress'],
    ['stuck', 'stuck'],
    ['waiting', 'in_progress'],
    ['completed', 'in_progress'],
    ['completed', 'completed'],
    ['cancelled', 'cancelled'],
  ];
  for (const [id, status] of moves) expect((await ledger.setStatus(id, status)).outcome).toBe('applied');
  expect((await ledger.requestInput('waiting', { question: 'which one?' })).outcome).toBe('applied');
}

export type BeatCall = { readonly delegationId: string; readonly attempt?: number; readonly progress?: number };

/** Beats on the fleet by index (so shrinking works): fenced or not, stale, unknown or past the column's range. */
export const beatCalls = (maxLength: number) =>
  fc.array(
    fc.record(
      {
        delegationId: fc.constantFrom(...IDS),
        attempt: fc.constantFrom(1, 2, 3, 2 ** 31),
        progress: fc.integer({ min: 0, max: 100 }),
      },
      { requiredKeys: ['delegationId'] },
    ),
    { minLength: 1, maxLength },
  );

export const beat = (ledger: Ledger, call: BeatCall): Promise<HeartbeatOutcome> =>
  ledger.heartbeat(call.delegationId, { attempt: call.attempt, progress: call.progress });

/** Each call awaited before the next: the answers coalescing must reproduce. */
export async function oneByOne(ledger: Ledger, calls: readonly BeatCall[]): Promise<HeartbeatOutcome[]> {
  const answers: HeartbeatOutcome[] = [];
  for (const call of calls) answers.push(await beat(ledger, call));
  return answers;
}

/** Every call made in the same tick: they are gathered into batches. */
export const allAtOnce = (ledger: Ledger, calls: readonly BeatCall[]): Promise<HeartbeatOutcome[]> => Promise.all(calls.map((call) => beat(ledger, call)));

/** What a run leaves: every delegation's row and stream. */
export async function endState(ledger: Ledger): Promise<unknown[]> {
  return Promise.all(FLEET.map(async (id) => ({ row: await ledger.get(id), history: await ledger.history(id) })));
}

/**
 * Answers and state without log positions: beats on different delegations are decided side by
 * side, so the global order of their events is the one thing concurrency may change (each
 * stream's own order, its versions, may not). With `times` false, every time is replaced by its
 * kind too: the database clock never reads the same twice.
 */
export function comparable(value: unknown, times: boolean): unknown {
  if (value instanceof Date) return times ? value : 'a time';
  // The created event's data holds its deadline as text.
  if (!times && typeof value === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(value)) return 'a time';
  if (Array.isArray(value)) return value.map((v) => comparable(v, times));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, key === 'position' ? 'a position' : comparable(v, times)]));
  }
  return value;
}

/** The answers the property must have met, so a run that never mixes them in one batch says so. */
export function kinds(answers: readonly HeartbeatOutcome[]): Set<string> {
  return new Set(answers.map((a) => (a.stop ? `stop:${a.reason}` : a.outcome)));
}
