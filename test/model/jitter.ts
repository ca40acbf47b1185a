import fc from 'fast-check';
import { expect } from 'vitest';
import type { RetryPolicy } from '../../src/domain/index.js';
import type { RandomSource } from '../../src/app/ports.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { seededRandom } from '../support/actors.js';
import { MODEL_START, type ModelConfig } from './ledger-model.js';
import type { ModelDelegations } from './model-commands.js';
import { MODEL_THRESHOLD_MS } from './model.js';
import { gaveUp } from './model-rules.js';

/**
 * Jitter makes a backoff random, so the model (which needs exact times) runs without it; this
 * property runs with it and checks bounds only: every automatic retry waits a whole number of
 * ms within [base * (1 - jitter), base] (rounded), and nothing dispatches it before then.
 */
export type BuildJittered = (options: {
  readonly clock: VirtualClock;
  readonly config: ModelConfig;
  readonly random: RandomSource;
}) => Promise<ModelDelegations>;

const policyArb: fc.Arbitrary<RetryPolicy> = fc.record({
  maxAttempts: fc.integer({ min: 2, max: 6 }),
  initialDelayMs: fc.integer({ min: 1, max: 120_000 }),
  backoffFactor: fc.oneof(fc.constantFrom(1, 2), fc.double({ min: 1, max: 3, noNaN: true })),
  maxDelayMs: fc.constant(600_000),
  jitter: fc.double({ min: 0.01, max: 1, noNaN: true }),
  requeueStuckAfterMs: fc.constantFrom(0, 30_000),
});

/** The wait before the attempt after `attempt` without jitter, written out by hand. */
function base(policy: RetryPolicy, attempt: number): number {
  let wait = policy.initialDelayMs;
  for (let n = 1; n < attempt; n += 1) wait *= policy.backoffFactor;
  return Math.min(wait, policy.maxDelayMs);
}

export function jitterProperty(build: BuildJittered) {
  return fc.asyncProperty(
    policyArb,
    fc.array(fc.constantFrom('fail' as const, 'silent' as const), { minLength: 1, maxLength: 6 }),
    fc.integer(),
    async (policy, endings, seed) => {
      const clock = new VirtualClock(MODEL_START);
      const config = { stuckThresholdMs: MODEL_THRESHOLD_MS, bootGraceMs: 0, outageGapMs: 10 * MODEL_THRESHOLD_MS, retry: null };
      const next = seededRandom(seed);
      const d = await build({ clock, config, random: { next } });
      try {
        const { ledger, sweeper } = d;
        await ledger.create({
          callerId: 'c',
          calleeId: 'a',
          task: 't',
          delegationId: 'j1',
          deadline: new Date(MODEL_START.getTime() + 48 * 3_600_000),
          retry: policy,
        });
        let lastError: string | null = null;
        for (const ending of endings) {
          const row = await ledger.get('j1');
          if (row?.status !== 'queued') break;
          if (row.availableAt !== null && row.availableAt > clock.now()) {
            expect(await ledger.setStatus('j1', 'in_progress')).toMatchObject({ outcome: 'refused', reason: 'not_available' });
            clock.set(row.availableAt);
          }
          expect(await ledger.setStatus('j1', 'in_progress')).toMatchObject({ outcome: 'applied' });
          const retried = row.attempt < policy.maxAttempts;
          if (ending === 'fail') {
            lastError = 'boom';
            const failed = await ledger.setStatus('j1', 'failed', { retryable: true, errorDetail: lastError });
            expect(failed).toMatchObject({ outcome: 'applied', event: { type: retried ? 'requeued' : 'failed' } });
          } else {
            clock.advance(MODEL_THRESHOLD_MS + 1);
            expect(await sweeper.sweep()).toMatchObject({ stuckMarked: 1 });
            lastError = 'no heartbeat for 60s';
            clock.advance(policy.requeueStuckAfterMs as number);
            expect(await sweeper.sweep()).toMatchObject(retried ? { requeued: 1 } : { retriesExhausted: 1 });
          }
        }
        const history = await ledger.history('j1');
        const requeues = history.filter((e) => e.type === 'requeued');
        for (const e of requeues) {
          const waitMs = Date.parse(e.data.availableAt as string) - e.occurredAt.getTime();
          expect(Number.isInteger(waitMs)).toBe(true);
          expect(waitMs).toBeGreaterThanOrEqual(Math.round(base(policy, e.attempt - 1) * (1 - policy.jitter)));
          expect(waitMs).toBeLessThanOrEqual(Math.round(base(policy, e.attempt - 1)));
        }
        const last = await ledger.get('j1');
        expect(last!.attempt).toBeLessThanOrEqual(policy.maxAttempts);
        if (last!.status === 'failed') expect(last).toMatchObject({ attempt: policy.maxAttempts, errorDetail: gaveUp(policy.maxAttempts, lastError) });
        else expect(requeues).toHaveLength(last!.attempt - 1);
      } finally {
        await d.close();
      }
    },
  );
}
