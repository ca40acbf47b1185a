import { fold, isTerminal, type Delegation, type StoredEvent } from '../domain/index.js';
import type { DelegationStore, StreamSnapshot } from './ports.js';

export type ProjectionMismatch = {
  readonly delegationId: string;
  /** What is wrong: differing fields by name, or a broken stream. */
  readonly problems: readonly string[];
};

export type VerifyReport = {
  readonly checked: number;
  readonly mismatches: readonly ProjectionMismatch[];
};

// Heartbeats are not events, so these live in the projection alone and cannot be rebuilt.
const PROJECTION_ONLY = new Set<keyof Delegation>(['lastHeartbeat', 'progress']);

/** Rebuilds every projection by folding its events and reports each row that differs. */
export async function verifyProjections(store: DelegationStore, pageSize = 1000): Promise<VerifyReport> {
  const mismatches: ProjectionMismatch[] = [];
  let checked = 0;
  let after: string | null = null;
  for (;;) {
    const page = await store.scan(after, pageSize);
    for (const snapshot of page) {
      checked += 1;
      const problems = problemsOf(snapshot);
      if (problems.length > 0) mismatches.push({ delegationId: snapshot.delegation.delegationId, problems });
    }
    if (page.length < pageSize) return { checked, mismatches };
    after = (page[page.length - 1] as StreamSnapshot).delegation.delegationId;
  }
}

export function problemsOf({ delegation, events }: StreamSnapshot): string[] {
  const problems = streamProblems(events);
  const rebuilt = fold(events);
  if (rebuilt === null) return [...problems, 'no events'];
  for (const key of Object.keys(rebuilt) as (keyof Delegation)[]) {
    if (PROJECTION_ONLY.has(key)) continue;
    if (!same(rebuilt[key], delegation[key])) problems.push(`${key}: row has ${show(delegation[key])}, events give ${show(rebuilt[key])}`);
  }
  return problems;
}

function streamProblems(events: readonly StoredEvent[]): string[] {
  const problems: string[] = [];
  events.forEach((event, index) => {
    if (event.version !== index + 1) problems.push(`event at position ${event.position} has version ${event.version}, expected ${index + 1}`);
  });
  const terminal = events.filter((event) => event.type !== 'detail_recorded' && isTerminal(event.toStatus));
  if (terminal.length > 1) problems.push(`${terminal.length} terminal events`);
  return problems;
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  // The retry policy: a database hands back its own copy (jsonb, keys in its own order), never the event's object.
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && same(a[key], b[key]));
  }
  return a === b;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !(value instanceof Date);

function show(value: unknown): string {
  return value instanceof Date ? value.toISOString() : JSON.stringify(value);
}
