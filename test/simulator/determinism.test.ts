import { describe, expect, it } from 'vitest';
import { formatJson, formatSvg, formatTable, simulate, type SimulationOptions } from '../../src/simulator/index.js';

const OPTIONS: SimulationOptions = { agents: 150, hours: 1, seed: 42, thresholdsSeconds: [60, 600], intervalsSeconds: [30, 300] };

async function render(options: SimulationOptions) {
  const report = await simulate(options);
  return { json: formatJson(report), table: formatTable(report), svg: formatSvg(report) };
}

describe('simulate is deterministic', () => {
  it('gives byte-identical reports for the same seed', async () => {
    const [first, second] = [await render(OPTIONS), await render(OPTIONS)];
    expect(second.json).toBe(first.json);
    expect(second.table).toBe(first.table);
    expect(second.svg).toBe(first.svg);
  });

  it('gives a different run for a different seed', async () => {
    const [a, b] = [await simulate(OPTIONS), await simulate({ ...OPTIONS, seed: 43 })];
    expect(formatJson(b)).not.toBe(formatJson(a));
    // A different fleet, not only a different header: the settings' figures move too.
    expect(JSON.stringify(b.settings)).not.toBe(JSON.stringify(a.settings));
  });

  it('gives the same bytes whether the settings run in turn or on worker threads', async () => {
    const [inTurn, onWorkers] = [await simulate(OPTIONS), await simulate({ ...OPTIONS, jobs: 2 })];
    expect(formatJson(onWorkers)).toBe(formatJson(inTurn));
  });

  it('gives the same bytes under several retry policies, in turn or on worker threads', async () => {
    const options = {
      ...OPTIONS,
      thresholdsSeconds: [300],
      intervalsSeconds: [60],
      retryPolicies: [null, { maxAttempts: 3 }, { maxAttempts: 5, requeueStuckAfterMs: 0 }],
    };
    const [inTurn, again, onWorkers] = [await render(options), await render(options), await simulate({ ...options, jobs: 2 })];
    expect(again).toEqual(inTurn);
    expect(formatJson(onWorkers)).toBe(inTurn.json);
    expect(onWorkers.settings.map((s) => s.policy)).toEqual(['none', '3x/1m', '5x/0s']);
    // The policies did differ: retries opened attempts that none never did.
    expect(onWorkers.settings.map((s) => s.attempts.mean > 1)).toEqual([false, true, true]);
  });

  it('runs the same fleet under every setting', async () => {
    const report = await simulate(OPTIONS);
    const created = new Set(report.settings.map((s) => s.ledgerEvents.created));
    const crashed = new Set(report.settings.map((s) => s.crashed.total));
    expect([...created]).toEqual([150]);
    expect(crashed.size).toBe(1);
  });
});
