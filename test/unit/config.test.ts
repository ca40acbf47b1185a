import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/index.js';
import { DEFAULT_RETRY_POLICY } from '../../src/domain/index.js';
import {
  DEFAULT_STUCK_THRESHOLD_MS,
  DEFAULT_SWEEP_INTERVAL_MS,
  ENV_OUTAGE_GAP,
  ENV_RETRY,
  ENV_STUCK_THRESHOLD,
  ENV_SWEEP_INTERVAL,
  resolveConfig,
} from '../../src/app/config.js';
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

  it('given a valid DELEGATION_OUTAGE_GAP_S, then it is the outage gap; given an invalid one, a warning and the default', () => {
    expect(resolveConfig({}, { [ENV_OUTAGE_GAP]: '3600' }, recordingLogger()).outageGapMs).toBe(3_600_000);
    for (const value of ['abc', '0', '-5', '1.5', '10s']) {
      const logger = recordingLogger();
      const config = resolveConfig({ stuckThresholdMs: 60_000, sweepIntervalMs: 45_000 }, { [ENV_OUTAGE_GAP]: value }, logger);
      // The default: the threshold, or two intervals when that is longer.
      expect(config.outageGapMs).toBe(90_000);
      expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([
        {
          level: 'warn',
          fields: expect.objectContaining({ variable: ENV_OUTAGE_GAP, value, fallbackMs: 90_000 }),
          message: expect.stringContaining(ENV_OUTAGE_GAP),
        },
      ]);
    }
  });

  it('given an explicit outageGapMs and DELEGATION_OUTAGE_GAP_S, then the option wins', () => {
    expect(resolveConfig({ outageGapMs: 5_000 }, { [ENV_OUTAGE_GAP]: '3600' }, recordingLogger()).outageGapMs).toBe(5_000);
  });

  it('given DELEGATION_RETRY as JSON, then it is the default policy, completed with the defaults; null means none', () => {
    const config = resolveConfig({}, { [ENV_RETRY]: '{"maxAttempts":5,"requeueStuckAfterMs":null}' }, recordingLogger());
    expect(config.retry).toEqual({ ...DEFAULT_RETRY_POLICY, maxAttempts: 5, requeueStuckAfterMs: null });
    expect(resolveConfig({}, { [ENV_RETRY]: 'null' }, recordingLogger()).retry).toBeNull();
    expect(resolveConfig({}, { [ENV_RETRY]: '  ' }, recordingLogger()).retry).toBeNull();
    expect(resolveConfig({}, {}, recordingLogger()).retry).toBeNull();
  });

  it.each([
    ['yes', /^invalid DELEGATION_RETRY: not JSON/],
    ['{"maxAttempts":3', /^invalid DELEGATION_RETRY: not JSON/],
    ['5', /^invalid DELEGATION_RETRY: must be an object/],
    ['[]', /^invalid DELEGATION_RETRY: must be an object/],
    ['{"maxAttempts":0}', /^invalid DELEGATION_RETRY\.maxAttempts: /],
    ['{"maxAtempts":3}', /^invalid DELEGATION_RETRY\.maxAtempts: is not a retry policy field/],
    ['{"jitter":2}', /^invalid DELEGATION_RETRY\.jitter: /],
  ])('given DELEGATION_RETRY=%s, then a warning names the problem and no policy applies', (value, problem) => {
    const logger = recordingLogger();
    expect(resolveConfig({}, { [ENV_RETRY]: value }, logger).retry).toBeNull();
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings).toEqual([{ level: 'warn', fields: expect.objectContaining({ variable: ENV_RETRY, value }), message: expect.stringMatching(problem) }]);
  });

  it('given an explicit retry option (a policy or null) and DELEGATION_RETRY, then the option wins, and a bad option is refused', () => {
    const env = { [ENV_RETRY]: '{"maxAttempts":5}' };
    expect(resolveConfig({ retry: { maxAttempts: 2 } }, env, recordingLogger()).retry).toMatchObject({ maxAttempts: 2 });
    expect(resolveConfig({ retry: null }, env, recordingLogger()).retry).toBeNull();
    expect(() => resolveConfig({ retry: { maxAttempts: 0 } }, env, recordingLogger())).toThrow(expect.objectContaining({ field: 'retry.maxAttempts' }));
  });

  it('given environment seconds with spaces around, or exactly the largest value, then they are used without a warning', () => {
    const logger = recordingLogger();
    // A century is the largest threshold; 2^31 - 1 ms (what one timer holds) the largest interval.
    const config = resolveConfig({}, { [ENV_STUCK_THRESHOLD]: ' 3153600000 ', [ENV_SWEEP_INTERVAL]: '2147483' }, logger);
    expect(config).toMatchObject({ stuckThresholdMs: 3_153_600_000_000, sweepIntervalMs: 2_147_483_000 });
    expect(logger.lines).toEqual([]);
    const over = recordingLogger();
    expect(resolveConfig({}, { [ENV_STUCK_THRESHOLD]: '3153600001', [ENV_SWEEP_INTERVAL]: '2147484' }, over)).toMatchObject({
      stuckThresholdMs: DEFAULT_STUCK_THRESHOLD_MS,
      sweepIntervalMs: DEFAULT_SWEEP_INTERVAL_MS,
    });
    expect(over.lines.map((line) => line.fields.variable)).toEqual([ENV_STUCK_THRESHOLD, ENV_SWEEP_INTERVAL]);
  });

  it('given a variable set but empty, then it is as if unset: the default, and no warning', () => {
    const logger = recordingLogger();
    const config = resolveConfig({}, { [ENV_STUCK_THRESHOLD]: '', [ENV_SWEEP_INTERVAL]: '', [ENV_OUTAGE_GAP]: '', [ENV_RETRY]: '  ' }, logger);
    expect(config).toMatchObject({ stuckThresholdMs: DEFAULT_STUCK_THRESHOLD_MS, sweepIntervalMs: DEFAULT_SWEEP_INTERVAL_MS, retry: null });
    expect(logger.lines).toEqual([]);
  });

  it('given an environment that is not all strings (a JavaScript host passing numbers), then a warning and the default, not a crash', () => {
    const logger = recordingLogger();
    const env = { [ENV_STUCK_THRESHOLD]: 90 } as unknown as Record<string, string>;
    expect(resolveConfig({}, env, logger).stuckThresholdMs).toBe(DEFAULT_STUCK_THRESHOLD_MS);
    expect(logger.lines.map((line) => line.level)).toEqual(['warn']);
  });

  it('given options or an environment that is not an object, then InvalidInputError names which', () => {
    expect(() => resolveConfig(null as never, {}, recordingLogger())).toThrow(expect.objectContaining({ field: 'options' }));
    expect(() => resolveConfig({}, 'PATH=/bin' as never, recordingLogger())).toThrow(expect.objectContaining({ field: 'env' }));
    expect(() => resolveConfig({ outageGapMs: 0 }, {}, recordingLogger())).toThrow(expect.objectContaining({ field: 'outageGapMs' }));
  });
});
