import fc from 'fast-check';
import type { RetryPolicy } from '../../src/domain/index.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { type LedgerModel, MODEL_THRESHOLD_MS, type Policy } from './model.js';
import {
  AdvanceCmd,
  AdvanceToEdgeCmd,
  AgentCmd,
  ClaimCmd,
  type Cmd,
  CreateCmd,
  HeartbeatCmd,
  type ModelDelegations,
  RepeatCreateCmd,
  RetryCmd,
  type RetryArg,
  SetStatusCmd,
  SweepCmd,
  WaitForCmd,
} from './model-commands.js';

export { MODEL_THRESHOLD_MS, type LedgerModel, type ModelDelegations };

/**
 * A model-based run of the ledger and sweeper against the model in model.ts and
 * model-rules.ts, reusable for every store: pass a function that builds a Delegations on
 * the given clock and configuration. Each run builds one and closes it at the end.
 */
export const MODEL_START = new Date('2026-01-01T00:00:00.000Z');

/** What a run configures: spread `config` into createDelegations (or the wiring) as it is. */
export type ModelConfig = {
  readonly stuckThresholdMs: number;
  readonly bootGraceMs: number;
  readonly outageGapMs: number;
  readonly retry: RetryPolicy | null;
};
export type ModelBuildOptions = { readonly clock: VirtualClock; readonly config: ModelConfig };
export type BuildDelegations = (options: ModelBuildOptions) => Promise<ModelDelegations>;
export type LedgerModelRun = { readonly numRuns: number; readonly maxCommands?: number; readonly seed?: number };

const index = fc.nat({ max: 1_000 });
// Mostly unfenced; sometimes naming the attempt before the current one, the current one or the next (resolved at run time).
const attempt = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(-1, -1, 0, 1) });
const detail = fc.option(fc.constantFrom('ok', 'boom', 'é😀'), { nil: undefined });
const callee = fc.constantFrom('agent-a', 'agent-b');

/** Jitter 0, so every availableAt is exact; backoffs short and long beside the model's threshold. */
export const policyArb: fc.Arbitrary<Policy> = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  initialDelayMs: fc.constantFrom(0, 1_000, 30_000, 90_000),
  backoffFactor: fc.constantFrom(1, 2, 3),
  maxDelayMs: fc.constantFrom(90_000, 300_000),
  jitter: fc.constant(0 as const),
  requeueStuckAfterMs: fc.constantFrom(null, 0, 30_000, 120_000),
});

const retryArg: fc.Arbitrary<RetryArg> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'absent' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  // Some fields left out: the ledger completes them with the defaults.
  {
    weight: 4,
    arbitrary: fc
      .tuple(policyArb, fc.subarray(['maxAttempts', 'initialDelayMs', 'backoffFactor', 'maxDelayMs', 'requeueStuckAfterMs'] as const))
      .map(([policy, omitted]): RetryArg => {
        const fields: Partial<Policy> & { jitter: 0 } = { ...policy };
        for (const key of omitted) delete fields[key];
        return { kind: 'given', fields };
      }),
  },
);

const weighted = (weight: number, arbitrary: fc.Arbitrary<Cmd>) => ({ weight, arbitrary });
const running = fc.constantFrom('dispatched' as const, 'in_progress' as const);
const ending = fc.constantFrom('completed' as const, 'failed' as const, 'cancelled' as const, 'rejected' as const, 'input_required' as const);

// Weighted so delegations live long enough to go stuck, recover, wait for input and be retried before something ends them.
export const ledgerCommand: fc.Arbitrary<Cmd> = fc.oneof(
  weighted(
    2,
    fc
      .tuple(fc.integer({ min: 1, max: 30 * MODEL_THRESHOLD_MS }), fc.option(fc.constantFrom(10_000, 30_000, 180_000), { nil: null }), callee, retryArg)
      .map(([ms, timeout, calleeId, retry]) => new CreateCmd(ms, timeout, calleeId, retry)),
  ),
  weighted(
    1,
    index.map((i) => new RepeatCreateCmd(i)),
  ),
  weighted(
    3,
    fc.tuple(index, running, attempt).map(([i, to, a]) => new SetStatusCmd(i, to, a, undefined)),
  ),
  weighted(
    1,
    fc.tuple(index, ending, attempt, detail).map(([i, to, a, d]) => new SetStatusCmd(i, to, a, d)),
  ),
  weighted(
    2,
    fc.tuple(index, attempt, detail).map(([i, a, d]) => new SetStatusCmd(i, 'failed', a, d, true)),
  ),
  weighted(
    3,
    fc.tuple(index, attempt).map(([i, a]) => new HeartbeatCmd(i, a)),
  ),
  weighted(
    2,
    index.map((i) => new RetryCmd(i)),
  ),
  weighted(
    3,
    fc
      .tuple(index, fc.constantFrom('requestInput' as const, 'resume' as const, 'resume' as const, 'reject' as const), attempt, detail)
      .map(([i, op, a, d]) => new AgentCmd(i, op, a, d)),
  ),
  weighted(
    2,
    fc.tuple(callee, fc.integer({ min: 1, max: 4 })).map(([c, limit]) => new ClaimCmd(c, limit)),
  ),
  weighted(
    4,
    fc.oneof(fc.integer({ min: 1, max: 90_000 }), fc.constantFrom(1, MODEL_THRESHOLD_MS, MODEL_THRESHOLD_MS + 1)).map((ms) => new AdvanceCmd(ms)),
  ),
  weighted(
    3,
    fc
      .tuple(index, fc.constantFrom('deadline' as const, 'silence' as const, 'available' as const, 'requeue' as const), fc.constantFrom(0 as const, 1 as const))
      .map(([i, edge, past]) => new AdvanceToEdgeCmd(i, edge, past)),
  ),
  weighted(3, fc.constant(new SweepCmd())),
  weighted(
    2,
    fc
      .tuple(
        index,
        fc.constantFrom('timeout' as const, 'timeout' as const, 'cancel' as const, 'zero' as const, 'missing' as const),
        fc.option(fc.subarray(['dispatched', 'in_progress', 'input_required', 'stuck', 'queued'] as const, { minLength: 1 }), { nil: undefined }),
        fc.constantFrom(1, 1_000, MODEL_THRESHOLD_MS),
      )
      .map(([i, kind, until, ms]) => new WaitForCmd(i, kind, until, ms)),
  ),
);

const configArb: fc.Arbitrary<ModelConfig> = fc.record({
  stuckThresholdMs: fc.constant(MODEL_THRESHOLD_MS),
  bootGraceMs: fc.constantFrom(0, MODEL_THRESHOLD_MS),
  // The threshold (so a pause of the model's longer steps is an outage) or well above it (so it never is).
  outageGapMs: fc.constantFrom(MODEL_THRESHOLD_MS, 10 * MODEL_THRESHOLD_MS),
  retry: fc.option(policyArb, { nil: null }),
});

/** Property: any sequence of commands leaves the services where the model says, run after run. */
export function ledgerModelProperty(build: BuildDelegations, maxCommands = 100) {
  return fc.asyncProperty(configArb, fc.commands([ledgerCommand], { maxCommands, size: 'large' }), async (config, commands) => {
    const clock = new VirtualClock(MODEL_START);
    const d = await build({ clock, config });
    try {
      const model: LedgerModel = {
        now: MODEL_START.getTime(),
        items: [],
        lastSweep: null,
        graceFrom: null,
        bootGraceMs: config.bootGraceMs,
        outageGapMs: config.outageGapMs,
        defaultRetry: config.retry as Policy | null,
      };
      await fc.asyncModelRun(() => ({ model, real: { d, clock } }), commands);
    } finally {
      await d.close();
    }
  });
}

export async function runLedgerModel(build: BuildDelegations, run: LedgerModelRun): Promise<void> {
  await fc.assert(ledgerModelProperty(build, run.maxCommands), { numRuns: run.numRuns, ...(run.seed === undefined ? {} : { seed: run.seed }) });
}
