import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/index.js';
import { DEFAULT_STUCK_THRESHOLD_MS, DEFAULT_SWEEP_INTERVAL_MS, ENV_STUCK_THRESHOLD, ENV_SWEEP_INTERVAL, resolveConfig } from '../../src/app/config.js';
import { memoryHarness, recordingLogger } from '../support/memory.js';

describe('configuration', () => {
  it('given nothing, then the sweeper runs every 5 min with a 10 min threshold and grace of one threshold', () => {
    expect(resolveConfig({}, {}, recordingLogger())).toMatchObject({ sweepIntervalMs: 5 * 60_000, stuckThresholdMs: 10 * 60_000, bootGraceMs: 10 * 60_000 });
  });

  it('given valid environment seconds, then they are used', () => {
    const config = resolveConfig({}, { [ENV_STUCK_THRESHOLD]: '90', [ENV_SWEEP_INTERVAL]: '15' }, recordingLogger());
    expect(config).toMatchObject({ stuckThresholdMs: 90_000, sweepIntervalMs: 15_000, bootGraceMs: 90_000 });
  });

  it.each([
    [ENV_STUCK_THRESHOLD, DEFAULT_STUCK_THRESHOLD_MS, 'stuckThresholdMs'],
    [ENV_SWEEP_INTERVAL, DEFAULT_SWEEP_INTERVAL_MS, 'sweepIntervalMs'],
  ] as const)('given an invalid %s, then a warning names it and the default (%i ms) is used', (variable, fallbackMs, key) => {
    for (const value of ['abc', '0', '-5', '1.5', '10s']) {
      const logger = recordingLogger();
      const config = resolveConfig({}, { [variable]: value }, logger);
      expect(config[key]).toBe(fallbackMs);
      expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([
        { level: 'warn', fields: expect.objectContaining({ variable, value, fallbackMs }), message: expect.stringContaining(variable) },
      ]);
    }
  });

  it('given an invalid environment value, when the factory builds the services, then start-up goes on with the default', async () => {
    const logger = recordingLogger();
    const h = await memoryHarness({ env: { [ENV_STUCK_THRESHOLD]: 'ten minutes' }, logger });
    expect(h.sweeper.thresholdMs).toBe(DEFAULT_STUCK_THRESHOLD_MS);
    expect(logger.lines.some((line) => line.level === 'warn' && line.fields.variable === ENV_STUCK_THRESHOLD)).toBe(true);
    await h.close();
  });

  it('given an explicit option and an environment value, then the option wins', () => {
    expect(resolveConfig({ stuckThresholdMs: 5_000 }, { [ENV_STUCK_THRESHOLD]: '90' }, recordingLogger()).stuckThresholdMs).toBe(5_000);
  });

  it.each([
    ['stuckThresholdMs', 0],
    ['stuckThresholdMs', -1],
    ['sweepIntervalMs', 0],
    ['sweepIntervalMs', 1.5],
    ['bootGraceMs', -1],
    ['defaultDeadlineMs', 0],
  ] as const)('given an explicit %s of %d, then InvalidInputError names the field', (field, value) => {
    const attempt = () => resolveConfig({ [field]: value }, {}, recordingLogger());
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(expect.objectContaining({ field }));
  });

  it('given an explicit non-positive threshold, when the factory is called, then it rejects naming the field', async () => {
    await expect(memoryHarness({ stuckThresholdMs: 0 })).rejects.toMatchObject({ name: 'InvalidInputError', field: 'stuckThresholdMs' });
  });

  it('given bootGraceMs: 0, then grace is disabled rather than refused', () => {
    expect(resolveConfig({ bootGraceMs: 0 }, {}, recordingLogger()).bootGraceMs).toBe(0);
  });
});
