import { describe, expect, it } from 'vitest';
import { baseBackoffMs, type StoredEvent } from '../../src/domain/index.js';
import { runSetting, type SettingRun } from '../../src/simulator/index.js';
import { CLAIM_POLL_MS } from '../../src/simulator/fleet-claims.js';
import { overlapMs } from '../../src/simulator/observe.js';
import { fleet, profile, setting } from './fleets.js';

// Half the agents crash; no stalls, and the longest live silence (a 120 s call) is under the threshold:
// every stuck mark, and so every requeue, is a dead agent's.
const crashing = profile({ mix: { complete: 0.5, crashBeforeFirstBeat: 0.2, crashMidRun: 0.3 } });
// Everyone lives; a third stall for 150-240 s, which a 100 s threshold flags.
const slowButAlive = profile({ mix: { complete: 0.7, stall: 0.3 } });

const requeuedEvents = async (run: SettingRun['run'], id: string) => (await run.ledger.history(id)).filter((e) => e.type === 'requeued');

describe('the simulator under a retry policy', () => {
  it('with one attempt allowed, never retries: one attempt and one agent per delegation, no duplicate work', async () => {
    const [none, once] = await Promise.all([
      runSetting(fleet([crashing]), setting(300, 60)),
      runSetting(fleet([crashing]), setting(300, 60, { maxAttempts: 1, requeueStuckAfterMs: 60_000 })),
    ]);
    const { result } = once;
    expect(result.attempts).toEqual({ mean: 1, max: 1, retried: 0 });
    expect(result.duplicateWork).toEqual({ delegations: 0, rate: 0, agentHours: 0 });
    expect(result.ledgerEvents.requeued).toBe(0);
    expect(result.agents).toBe(result.delegations);
    expect(result.completed).toBe(none.result.completed);
    // The policy still acts: a crashed delegation is given up one window after it went stuck, not at its deadline.
    expect(result.gaveUp).toBe(result.crashed.total);
    expect(result.gaveUp).toBeGreaterThan(50);
    expect(result.deadlineFailures.total).toBe(0);
  });

  it('with retries, hands a crashed delegation to a fresh agent after its backoff, and completes more', async () => {
    const plans = fleet([crashing]);
    const [none, retried] = await Promise.all([runSetting(plans, setting(300, 60)), runSetting(plans, setting(300, 60, { maxAttempts: 3 }))]);
    expect(none.result.completedShare).toBeLessThan(0.6);
    expect(retried.result.completedShare).toBeGreaterThan(none.result.completedShare + 0.25);
    expect(retried.result.attempts.max).toBeLessThanOrEqual(3);
    expect(retried.result.attempts.retried).toBeGreaterThan(50);
    // Every requeue was a dead agent's, so no two attempts of one delegation were ever alive together.
    expect(retried.result.duplicateWork.delegations).toBe(0);
    expect(retried.result.agents).toBe(plans.length + retried.run.tally.claimed);
    for (const d of retried.delegations.filter((d) => d.attempts > 1)) {
      const history = await retried.run.ledger.history(d.delegationId);
      for (const requeue of history.filter((e) => e.type === 'requeued')) {
        expect(requeue.data).toMatchObject({ reason: 'stuck' });
        const claim = history.find((e) => e.type === 'dispatched' && e.attempt === requeue.attempt);
        if (claim === undefined) continue; // its deadline came first
        const availableAt = Date.parse(requeue.data.availableAt as string);
        // Claimed by the fleet, never inside the backoff, at the first poll after it.
        expect(claim.actor).toBe('fleet');
        expect(claim.occurredAt.getTime()).toBeGreaterThanOrEqual(availableAt);
        expect(claim.occurredAt.getTime() - availableAt).toBeLessThan(CLAIM_POLL_MS);
        expect(d.agents.map((a) => a.attempt)).toContain(requeue.attempt);
      }
    }
  });

  it('counts duplicate work when a slow agent is requeued while it is silent, and tells it it was superseded', async () => {
    const eager = await runSetting(fleet([slowButAlive]), setting(100, 30, { maxAttempts: 3, requeueStuckAfterMs: 0 }));
    const duplicated = eager.delegations.filter((d) => d.duplicateMs > 0);
    expect(duplicated.length).toBeGreaterThan(10);
    expect(eager.result.duplicateWork.delegations).toBe(duplicated.length);
    expect(eager.result.duplicateWork.rate).toBeCloseTo(duplicated.length / eager.delegations.length, 6);
    for (const d of duplicated) {
      // An older attempt's agent was still alive when a newer one started, and learnt of it at its next beat.
      const overlapping = d.agents.filter((old) => d.agents.some((newer) => newer.attempt > old.attempt && (old.endMs as number) > newer.arrivalMs));
      expect(overlapping.length, d.delegationId).toBeGreaterThan(0);
      for (const old of overlapping) expect(old.end, d.delegationId).toBe('superseded');
      const history = await eager.run.ledger.history(d.delegationId);
      expect(fencedAfterRequeue(history)).toBe(true);
    }
  });

  it('leaves a slow agent alone when requeueStuckAfterMs outlasts its silence: no duplicate work, every delegation completes', async () => {
    const patient = await runSetting(fleet([slowButAlive]), setting(100, 30, { maxAttempts: 3, requeueStuckAfterMs: 10 * 60_000 }));
    expect(patient.result.falsePositives.agents).toBeGreaterThan(10);
    expect(patient.result.duplicateWork.delegations).toBe(0);
    expect(patient.result.attempts.max).toBe(1);
    expect(patient.result.completedShare).toBe(1);
  });

  it('draws the backoffs’ jitter from the seed: the same seed gives the same requeues, each within its bounds', async () => {
    const policy = { maxAttempts: 4, initialDelayMs: 60_000, jitter: 0.5 };
    const plans = fleet([crashing]);
    const [a, b, c] = await Promise.all([
      runSetting(plans, setting(300, 60, policy), { seed: 1 }),
      runSetting(plans, setting(300, 60, policy), { seed: 1 }),
      runSetting(plans, setting(300, 60, policy), { seed: 2 }),
    ]);
    const backoffs = async (run: SettingRun) => {
      const all: { attempt: number; waitMs: number }[] = [];
      for (const d of run.delegations) {
        for (const e of await requeuedEvents(run.run, d.delegationId)) {
          all.push({ attempt: e.attempt, waitMs: Date.parse(e.data.availableAt as string) - e.occurredAt.getTime() });
        }
      }
      return all;
    };
    const [first, again, other] = await Promise.all([backoffs(a), backoffs(b), backoffs(c)]);
    expect(first.length).toBeGreaterThan(50);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    const resolved = { ...policy, backoffFactor: 2, maxDelayMs: 300_000, requeueStuckAfterMs: 60_000 };
    for (const { attempt, waitMs } of first) {
      const base = baseBackoffMs(resolved, attempt - 1);
      expect(waitMs).toBeGreaterThanOrEqual(Math.round(base * 0.5));
      expect(waitMs).toBeLessThanOrEqual(base);
    }
  });
});

describe('duplicate work over time', () => {
  it('is the agent-time beyond one agent while several are alive', () => {
    expect(overlapMs([[0, 10]])).toBe(0);
    expect(
      overlapMs([
        [0, 10],
        [10, 20],
      ]),
    ).toBe(0);
    expect(
      overlapMs([
        [0, 10],
        [5, 20],
      ]),
    ).toBe(5);
    expect(
      overlapMs([
        [0, 30],
        [5, 20],
        [10, 15],
      ]),
    ).toBe(15 + 5);
  });
});

/** After a requeue, the older attempt recorded nothing more: its beats and result were refused. */
function fencedAfterRequeue(history: readonly StoredEvent[]): boolean {
  let current = 1;
  for (const event of history) {
    if (event.type === 'requeued') current = event.attempt;
    else if (event.attempt < current) return false;
  }
  return true;
}
