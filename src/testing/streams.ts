import { expect } from 'vitest';
import {
  decide,
  evolve,
  type CreateDelegation,
  type Delegation,
  type DelegationCommand,
  type DelegationEvent,
  type RetryPolicy,
  type StoredEvent,
} from '../domain/index.js';
import type { DelegationStore } from '../app/ports.js';

export const T0 = new Date('2026-01-01T00:00:00.000Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** T0 plus `ms`: every stamp in the contract is a fixed instant, so every store sees the same times. */
export const at = (ms: number): Date => new Date(T0.getTime() + ms);

export type NewDelegation = {
  readonly id: string;
  readonly callerId?: string;
  readonly calleeId?: string;
  readonly idempotencyKey?: string | null;
  readonly deadline?: Date;
  readonly heartbeatTimeoutMs?: number | null;
  readonly retry?: RetryPolicy | null;
  readonly createdAt?: Date;
};

/** The created event and its row, made by the decider as the ledger would make them. */
export function creation(spec: NewDelegation): { delegation: Delegation; event: DelegationEvent } {
  const command: CreateDelegation = {
    type: 'Create',
    delegationId: spec.id,
    callerId: spec.callerId ?? 'caller',
    calleeId: spec.calleeId ?? 'agent',
    taskPreview: `task of ${spec.id}`,
    deadline: spec.deadline ?? at(6 * HOUR),
    heartbeatTimeoutMs: spec.heartbeatTimeoutMs ?? null,
    idempotencyKey: spec.idempotencyKey ?? null,
    retry: spec.retry ?? null,
    actor: 'caller',
  };
  const decision = decide(command, null, spec.createdAt ?? T0);
  if (decision.kind !== 'apply') throw new Error(`create of ${spec.id} was not applied`);
  const event = decision.events[0] as DelegationEvent;
  return { delegation: evolve(null, event), event };
}

export async function seed(store: DelegationStore, spec: NewDelegation): Promise<Delegation> {
  const { delegation, event } = creation(spec);
  const result = await store.insert(delegation, event);
  if (!result.inserted) throw new Error(`seed of ${spec.id} hit a ${result.conflict} conflict`);
  return result.delegation;
}

type WithoutActor<C> = C extends unknown ? Omit<C, 'actor'> & { readonly actor?: string } : never;
type Step = WithoutActor<Exclude<DelegationCommand, CreateDelegation>>;

/** Loads, decides and appends one command under the version it was decided on. */
export async function apply(store: DelegationStore, id: string, step: Step, now: Date) {
  const state = await store.load(id);
  const decision = decide({ actor: 'agent', ...step } as DelegationCommand, state, now);
  if (decision.kind !== 'apply' || state === null) throw new Error(`${step.type} on ${id} gave ${decision.kind}`);
  const next = decision.events.reduce<Delegation>(evolve, state);
  return store.append({ delegationId: id, expectedVersion: state.version, events: decision.events, next });
}

/** A delegation dispatched at `dispatchedAt` and started by its agent at `startedAt` (no heartbeat yet). */
export async function running(store: DelegationStore, spec: NewDelegation, dispatchedAt: Date, startedAt: Date) {
  await seed(store, spec);
  await apply(store, spec.id, { type: 'Dispatch', actor: 'dispatcher' }, dispatchedAt);
  return (await apply(store, spec.id, { type: 'Start' }, startedAt)).delegation;
}

/** Versions 1..n in order, each event leaving from the status the previous one reached. */
export function expectWellFormedStream(events: readonly StoredEvent[]): void {
  expect(events.map((event) => event.version)).toEqual(events.map((_, index) => index + 1));
  if (events.length > 0) expect(events[0]).toMatchObject({ type: 'created', fromStatus: null });
  for (const [index, event] of events.entries()) {
    const previous = events[index - 1];
    if (previous === undefined) continue;
    expect(event.position).toBeGreaterThan(previous.position);
    expect(event.fromStatus).toBe(previous.toStatus);
  }
}
