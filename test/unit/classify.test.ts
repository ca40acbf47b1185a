import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { classifyDelegation, sweepVerdict, type ClassifiableRow, type Status } from '../../src/domain/index.js';

const RUNS = process.env.CI !== undefined ? 5000 : 500;
const BASE = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(BASE + ms);

// Offsets within a few hours of BASE so deadlines, beats and thresholds actually cross each other.
const offset = fc.integer({ min: -3_600_000, max: 3_600_000 });
const threshold = fc.integer({ min: 1, max: 1_800_000 });
const ALL: readonly Status[] = ['queued', 'dispatched', 'in_progress', 'input_required', 'stuck', 'completed', 'failed', 'cancelled', 'rejected'];
const IN_FLIGHT: readonly Status[] = ['queued', 'dispatched', 'in_progress', 'input_required', 'stuck'];

const rowArb = (statuses: readonly Status[] = ALL): fc.Arbitrary<ClassifiableRow> =>
  fc.record({
    status: fc.constantFrom(...statuses),
    deadline: offset.map(at),
    lastHeartbeat: fc.option(offset.map(at), { nil: null }),
    activeSince: fc.option(offset.map(at), { nil: null }),
    heartbeatTimeoutMs: fc.option(threshold, { nil: null }),
  });
const nowArb = offset.map(at);

/** An active row whose deadline is far away, silent since `reference`. */
function silentRow(status: 'dispatched' | 'in_progress', reference: Date, heartbeatTimeoutMs: number | null = null): ClassifiableRow {
  return { status, deadline: at(100 * 3_600_000), lastHeartbeat: null, activeSince: reference, heartbeatTimeoutMs };
}

describe('classifyDelegation', () => {
  test.prop([rowArb(IN_FLIGHT), nowArb, threshold], { numRuns: RUNS })(
    'deadline beats staleness: an in-flight row past its deadline is deadline_exceeded, whatever its heartbeat',
    (row, now, thresholdMs) => {
      fc.pre(now.getTime() > row.deadline.getTime());
      expect(classifyDelegation(now, row, thresholdMs)).toEqual({ kind: 'deadline_exceeded', detail: 'deadline exceeded' });
    },
  );

  test.prop([rowArb(), nowArb, threshold], { numRuns: RUNS })('a row at or before its deadline is never deadline_exceeded', (row, now, thresholdMs) => {
    fc.pre(now.getTime() <= row.deadline.getTime());
    expect(classifyDelegation(now, row, thresholdMs).kind).not.toBe('deadline_exceeded');
  });

  test.prop([rowArb(IN_FLIGHT), threshold], { numRuns: RUNS })(
    'the deadline boundary is exact: at the deadline it still runs, one millisecond later it is exceeded',
    (row, t) => {
      expect(classifyDelegation(row.deadline, row, t).kind).not.toBe('deadline_exceeded');
      expect(classifyDelegation(new Date(row.deadline.getTime() + 1), row, t).kind).toBe('deadline_exceeded');
    },
  );

  test.prop([rowArb(['completed', 'failed', 'cancelled', 'rejected']), nowArb, threshold], { numRuns: RUNS })(
    'terminal rows are always healthy',
    (row, now, t) => {
      expect(classifyDelegation(now, row, t)).toEqual({ kind: 'healthy' });
    },
  );

  test.prop([rowArb(['queued', 'input_required', 'stuck']), nowArb, threshold], { numRuns: RUNS })(
    'queued, input_required and stuck rows are never flagged stale',
    (row, now, t) => {
      expect(classifyDelegation(now, row, t).kind).not.toBe('stale_heartbeat');
    },
  );

  test.prop(
    [
      rowArb(['dispatched', 'in_progress']),
      offset,
      threshold,
      fc.integer({ min: 0, max: 3_600_000 }),
      fc.integer({ min: 0, max: 7_200_000 }),
      fc.integer({ min: 0, max: 7_200_000 }),
    ],
    { numRuns: RUNS },
  )('monotone in now: a stale row that stays silent stays stale (or hits its deadline)', (generated, activeMs, t, beyondMs, deadlineInMs, laterMs) => {
    // Silent past its threshold by `beyondMs`, with a deadline still ahead: stale by construction.
    const row = { ...generated, activeSince: at(activeMs) };
    const reference = Math.max(row.activeSince.getTime(), row.lastHeartbeat?.getTime() ?? -Infinity);
    const now = new Date(reference + (row.heartbeatTimeoutMs ?? t) + 1 + beyondMs);
    const stale = { ...row, deadline: new Date(now.getTime() + deadlineInMs) };
    const first = classifyDelegation(now, stale, t);
    expect(first).toMatchObject({ kind: 'stale_heartbeat', silentForMs: (stale.heartbeatTimeoutMs ?? t) + 1 + beyondMs });
    const later = new Date(now.getTime() + laterMs);
    const second = classifyDelegation(later, stale, t);
    if (laterMs > deadlineInMs) expect(second.kind).toBe('deadline_exceeded');
    else expect(second).toMatchObject({ kind: 'stale_heartbeat', silentForMs: (first as { silentForMs: number }).silentForMs + laterMs });
  });

  test.prop([rowArb(), nowArb, threshold, fc.integer({ min: 0, max: 1_800_000 })], { numRuns: RUNS })(
    'a larger threshold never flags more',
    (row, now, small, extra) => {
      const withLarge = classifyDelegation(now, row, small + extra);
      const withSmall = classifyDelegation(now, row, small);
      if (withLarge.kind !== 'healthy') expect(withSmall).toEqual(withLarge);
    },
  );

  test.prop([fc.constantFrom('dispatched' as const, 'in_progress' as const), offset, threshold], { numRuns: RUNS })(
    'the boundary is exact: silent for the threshold is healthy, one millisecond more is stale',
    (status, referenceMs, t) => {
      const row = silentRow(status, at(referenceMs));
      expect(classifyDelegation(at(referenceMs + t), row, t)).toEqual({ kind: 'healthy' });
      expect(classifyDelegation(at(referenceMs + t + 1), row, t)).toMatchObject({ kind: 'stale_heartbeat', silentForMs: t + 1 });
    },
  );

  test.prop([rowArb(), nowArb, threshold, threshold], { numRuns: RUNS })(
    'a per-delegation timeout overrides the default: the default no longer matters',
    (row, now, timeout, defaultMs) => {
      const own = { ...row, heartbeatTimeoutMs: timeout };
      expect(classifyDelegation(now, own, defaultMs)).toEqual(classifyDelegation(now, { ...row, heartbeatTimeoutMs: null }, timeout));
    },
  );

  test.prop([offset, offset, threshold], { numRuns: RUNS })(
    'liveness counts from the later of the last beat and the last status change',
    (beatMs, activeMs, t) => {
      const row: ClassifiableRow = {
        status: 'in_progress',
        deadline: at(100 * 3_600_000),
        lastHeartbeat: at(beatMs),
        activeSince: at(activeMs),
        heartbeatTimeoutMs: null,
      };
      const reference = Math.max(beatMs, activeMs);
      expect(classifyDelegation(at(reference + t), row, t).kind).toBe('healthy');
      expect(classifyDelegation(at(reference + t + 1), row, t).kind).toBe('stale_heartbeat');
    },
  );

  it('given an agent that never beat, when one threshold has passed since dispatch, then it is healthy; one ms later it is stale', () => {
    const row = silentRow('dispatched', at(0));
    expect(classifyDelegation(at(600_000), row, 600_000).kind).toBe('healthy');
    expect(classifyDelegation(at(600_001), row, 600_000)).toEqual({ kind: 'stale_heartbeat', detail: 'no heartbeat for 600s', silentForMs: 600_001 });
  });

  it('given a 30 s per-delegation timeout and a 10 min default, when silent 31 s, then it is stale', () => {
    expect(classifyDelegation(at(31_000), silentRow('in_progress', at(0), 30_000), 600_000)).toMatchObject({ kind: 'stale_heartbeat', silentForMs: 31_000 });
    expect(classifyDelegation(at(31_000), silentRow('in_progress', at(0)), 600_000).kind).toBe('healthy');
  });

  it('given a stale row past its deadline, then the verdict is deadline exceeded, not stale', () => {
    const row = { ...silentRow('in_progress', at(0)), deadline: at(1_000) };
    expect(classifyDelegation(at(10_000_000), row, 1_000).kind).toBe('deadline_exceeded');
  });
});

describe('sweepVerdict under boot grace', () => {
  test.prop([rowArb(), nowArb, threshold], { numRuns: RUNS })('during grace nothing is flagged stale, and the deadline still applies', (row, now, t) => {
    const verdict = sweepVerdict(now, row, { thresholdMs: t, staleRuleActive: false });
    const plain = classifyDelegation(now, row, t);
    expect(verdict.kind).not.toBe('stale_heartbeat');
    if (plain.kind === 'deadline_exceeded') expect(verdict).toEqual(plain);
  });

  test.prop([rowArb(), nowArb, threshold], { numRuns: RUNS })('after grace the verdict is classifyDelegation itself', (row, now, t) => {
    expect(sweepVerdict(now, row, { thresholdMs: t, staleRuleActive: true })).toEqual(classifyDelegation(now, row, t));
  });
});
