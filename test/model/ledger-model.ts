import fc from 'fast-check';
import { expect } from 'vitest';
import type { Delegations } from '../../src/delegations.js';
import { fold, type Delegation } from '../../src/domain/index.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { withoutHeartbeat } from '../support/memory.js';
import { beat, EDGES, isTerminal, MODEL_THRESHOLD_MS, named, pick, request, sweep, type Item, type LedgerModel } from './model.js';

export { MODEL_THRESHOLD_MS, type LedgerModel };

/**
 * A model-based run of the ledger and sweeper against the model in model.ts,
 * reusable for every store: pass a function that builds a Delegations on the
 * given clock and configuration. Each run builds one and closes it at the end.
 */
export const MODEL_START = new Date('2026-01-01T00:00:00.000Z');

export type ModelBuildOptions = { readonly clock: VirtualClock; readonly stuckThresholdMs: number; readonly bootGraceMs: number };
/** The part of a Delegations the model drives, whatever wired it. */
export type ModelDelegations = Pick<Delegations, 'ledger' | 'sweeper' | 'close'>;
export type BuildDelegations = (options: ModelBuildOptions) => Promise<ModelDelegations>;
export type LedgerModelRun = { readonly numRuns: number; readonly maxCommands?: number; readonly seed?: number };

export type LedgerReal = { readonly d: ModelDelegations; readonly clock: VirtualClock };
type Cmd = fc.AsyncCommand<LedgerModel, LedgerReal>;

function agrees(actual: Delegation | null, item: Item): void {
  expect(actual, item.id).not.toBeNull();
  const d = actual as Delegation;
  const detail = d.status === 'completed' ? d.resultPreview : isTerminal(d.status) ? d.errorDetail : null;
  expect({ id: d.delegationId, status: d.status, attempt: d.attempt, version: d.version, hasDetail: detail !== null, deadline: d.deadline.getTime() }).toEqual({
    id: item.id,
    status: item.status,
    attempt: item.attempt,
    version: item.version,
    hasDetail: isTerminal(item.status) && item.hasDetail,
    deadline: item.deadline,
  });
}

/** The log never contradicts the projection: versions 1..n, at most one terminal event, nothing but a detail fill after it. */
async function historyHolds(r: LedgerReal, item: Item): Promise<void> {
  const history = await r.d.ledger.history(item.id);
  expect(history.map((e) => e.version)).toEqual(history.map((_, i) => i + 1));
  const firstTerminal = history.findIndex((e) => e.type !== 'detail_recorded' && isTerminal(e.toStatus));
  if (firstTerminal >= 0) expect(history.slice(firstTerminal + 1).every((e) => e.type === 'detail_recorded')).toBe(true);
  for (let i = 1; i < history.length; i += 1) expect(history[i]!.position).toBeGreaterThan(history[i - 1]!.position);
  // The projection is the fold of the log, heartbeat-only fields aside (beats are not events).
  const row = await r.d.ledger.get(item.id);
  expect(withoutHeartbeat(fold(history) as Delegation)).toEqual(withoutHeartbeat(row as Delegation));
}

abstract class OnDelegation implements Cmd {
  constructor(readonly index: number) {}
  check(m: Readonly<LedgerModel>): boolean {
    return m.items.length > 0;
  }
  abstract run(m: LedgerModel, r: LedgerReal): Promise<void>;
  abstract toString(): string;
}

class CreateCmd implements Cmd {
  constructor(
    readonly deadlineInMs: number,
    readonly timeoutMs: number | null,
  ) {}
  check = () => true;
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const n = m.items.length;
    const item: Item = {
      id: `d${n}`,
      key: `k${n}`,
      deadline: m.now + this.deadlineInMs,
      timeoutMs: this.timeoutMs,
      status: 'queued',
      attempt: 1,
      version: 1,
      lastSign: null,
      hasDetail: false,
    };
    const created = await r.d.ledger.create({
      callerId: 'caller',
      calleeId: 'agent',
      task: `task ${n}`,
      delegationId: item.id,
      idempotencyKey: item.key,
      deadline: new Date(item.deadline),
      heartbeatTimeoutMs: this.timeoutMs ?? undefined,
    });
    m.items.push(item);
    agrees(created, item);
  }
  toString = () => `create(deadline +${this.deadlineInMs}ms, timeout ${this.timeoutMs})`;
}

class RepeatCreateCmd extends OnDelegation {
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const item = pick(m, this.index);
    const again = await r.d.ledger.create({
      callerId: 'caller',
      calleeId: 'agent',
      task: 'again',
      idempotencyKey: item.key,
      deadline: new Date(m.now + 3_600_000),
    });
    agrees(again, item);
    expect(Object.values(await r.d.ledger.stats()).reduce((a, b) => a + b, 0)).toBe(m.items.length);
  }
  toString = () => `repeatCreate(#${this.index})`;
}

class SetStatusCmd extends OnDelegation {
  constructor(
    index: number,
    readonly to: 'dispatched' | 'in_progress' | 'completed' | 'failed' | 'cancelled',
    readonly attemptOffset: number | undefined,
    readonly detail: string | undefined,
  ) {
    super(index);
  }
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const item = pick(m, this.index);
    const attempt = named(item, this.attemptOffset);
    const expected = request(m, item, this.to, attempt, this.detail);
    const outcome =
      this.to === 'cancelled' && attempt === undefined
        ? await r.d.ledger.cancel(item.id, { reason: this.detail })
        : await r.d.ledger.setStatus(item.id, this.to, {
            attempt,
            ...(this.to === 'completed' ? { resultPreview: this.detail } : { errorDetail: this.detail }),
          });
    expect(outcome).toMatchObject(expected);
    agrees(await r.d.ledger.get(item.id), item);
  }
  toString = () => `${this.to}(#${this.index}, attempt ${this.attemptOffset ?? '-'}, detail ${JSON.stringify(this.detail)})`;
}

class HeartbeatCmd extends OnDelegation {
  constructor(
    index: number,
    readonly attemptOffset: number | undefined,
  ) {
    super(index);
  }
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const item = pick(m, this.index);
    const attempt = named(item, this.attemptOffset);
    const expected = beat(m, item, attempt);
    const outcome = await r.d.ledger.heartbeat(item.id, { attempt });
    expect(outcome).toMatchObject({ ...expected, stop: expected.outcome === 'refused' });
    agrees(await r.d.ledger.get(item.id), item);
  }
  toString = () => `heartbeat(#${this.index}, attempt ${this.attemptOffset ?? '-'})`;
}

class RetryCmd extends OnDelegation {
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const item = pick(m, this.index);
    const expected = request(m, item, 'queued');
    expect(await r.d.ledger.retry(item.id)).toMatchObject(expected);
    agrees(await r.d.ledger.get(item.id), item);
  }
  toString = () => `retry(#${this.index})`;
}

class AdvanceCmd implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    m.now += this.ms;
    r.clock.advance(this.ms);
  }
  toString = () => `advance(${this.ms}ms)`;
}

/** Moves the clock onto an edge of one delegation (its deadline, or the end of its silence allowance), or one ms past it. */
class AdvanceToEdgeCmd extends OnDelegation {
  constructor(
    index: number,
    readonly edge: 'deadline' | 'silence',
    readonly past: 0 | 1,
  ) {
    super(index);
  }
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const item = pick(m, this.index);
    const edge = this.edge === 'deadline' ? item.deadline : item.lastSign === null ? null : item.lastSign + (item.timeoutMs ?? MODEL_THRESHOLD_MS);
    if (edge === null || edge + this.past <= m.now) return;
    await new AdvanceCmd(edge + this.past - m.now).run(m, r);
  }
  toString = () => `advanceTo(#${this.index} ${this.edge}${this.past ? ' + 1ms' : ''})`;
}

class SweepCmd implements Cmd {
  check = () => true;
  async run(m: LedgerModel, r: LedgerReal): Promise<void> {
    const expected = sweep(m);
    expect(await r.d.sweeper.sweep()).toEqual(expected);
    for (const item of m.items) {
      agrees(await r.d.ledger.get(item.id), item);
      await historyHolds(r, item);
    }
    const counts = Object.fromEntries(Object.keys(EDGES).map((status) => [status, m.items.filter((item) => item.status === status).length]));
    expect(await r.d.ledger.stats()).toEqual(counts);
  }
  toString = () => 'sweep()';
}

const index = fc.nat({ max: 1_000 });
// Mostly unfenced; sometimes naming the attempt before the current one, the current one or the next (resolved at run time).
const attempt = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(-1, -1, 0, 1) });
const detail = fc.option(fc.constantFrom('ok', 'boom', 'é😀'), { nil: undefined });

const weighted = (weight: number, arbitrary: fc.Arbitrary<Cmd>) => ({ weight, arbitrary });

// Weighted so delegations live long enough to go stuck, recover and be retried before something ends them.
export const ledgerCommand: fc.Arbitrary<Cmd> = fc.oneof(
  weighted(
    2,
    fc
      .tuple(fc.integer({ min: 1, max: 30 * MODEL_THRESHOLD_MS }), fc.option(fc.constantFrom(10_000, 30_000, 180_000), { nil: null }))
      .map(([ms, timeout]) => new CreateCmd(ms, timeout)),
  ),
  weighted(
    1,
    index.map((i) => new RepeatCreateCmd(i)),
  ),
  weighted(
    3,
    fc.tuple(index, fc.constantFrom('dispatched' as const, 'in_progress' as const), attempt).map(([i, to, a]) => new SetStatusCmd(i, to, a, undefined)),
  ),
  weighted(
    1,
    fc
      .tuple(index, fc.constantFrom('completed' as const, 'failed' as const, 'cancelled' as const), attempt, detail)
      .map(([i, to, a, d]) => new SetStatusCmd(i, to, a, d)),
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
    4,
    fc.oneof(fc.integer({ min: 1, max: 90_000 }), fc.constantFrom(1, MODEL_THRESHOLD_MS, MODEL_THRESHOLD_MS + 1)).map((ms) => new AdvanceCmd(ms)),
  ),
  weighted(
    2,
    fc
      .tuple(index, fc.constantFrom('deadline' as const, 'silence' as const), fc.constantFrom(0 as const, 1 as const))
      .map(([i, edge, past]) => new AdvanceToEdgeCmd(i, edge, past)),
  ),
  weighted(3, fc.constant(new SweepCmd())),
);

/** Property: any sequence of commands leaves the services where the model says, run after run. */
export function ledgerModelProperty(build: BuildDelegations, maxCommands = 100) {
  return fc.asyncProperty(
    fc.constantFrom(0, MODEL_THRESHOLD_MS),
    fc.commands([ledgerCommand], { maxCommands, size: 'large' }),
    async (bootGraceMs, commands) => {
      const clock = new VirtualClock(MODEL_START);
      const d = await build({ clock, stuckThresholdMs: MODEL_THRESHOLD_MS, bootGraceMs });
      try {
        const setup = () => ({ model: { now: MODEL_START.getTime(), items: [], graceFrom: null, bootGraceMs } as LedgerModel, real: { d, clock } });
        await fc.asyncModelRun(setup, commands);
      } finally {
        await d.close();
      }
    },
  );
}

export async function runLedgerModel(build: BuildDelegations, run: LedgerModelRun): Promise<void> {
  await fc.assert(ledgerModelProperty(build, run.maxCommands), { numRuns: run.numRuns, ...(run.seed === undefined ? {} : { seed: run.seed }) });
}
