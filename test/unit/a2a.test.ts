import { describe, expect, it } from 'vitest';
import { A2A_TASK_STATES, STATUSES, toA2ATaskState, type A2ATaskState, type Status } from '../../src/domain/index.js';

// The mapping of docs/domain.md and issue 13, written out by hand: a change to either side must change this table.
const TABLE: Record<Status, A2ATaskState> = {
  queued: 'submitted',
  dispatched: 'submitted',
  in_progress: 'working',
  stuck: 'working',
  input_required: 'input-required',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'canceled',
  rejected: 'rejected',
};

describe('toA2ATaskState', () => {
  it.each(Object.entries(TABLE))('maps %s to %s', (status, state) => {
    expect(toA2ATaskState(status as Status)).toBe(state);
  });

  it('covers every status, and only A2A states the protocol defines', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...STATUSES].sort());
    expect(A2A_TASK_STATES).toEqual(expect.arrayContaining(Object.values(TABLE)));
    // Each A2A state a delegation can be in is reached by some status.
    expect([...new Set(Object.values(TABLE))].sort()).toEqual([...A2A_TASK_STATES].sort());
  });
});
