import { describe, expect, it } from 'vitest';
import type { Ledger, PruneOptions, PruneResult } from '../../src/app/ledger-api.js';
import { MAX_PRUNE_BATCH } from '../../src/app/retention.js';
import { DEFAULT_RETENTION_INTERVAL_MS, RetentionLoop, retentionFromEnv } from '../../src/app/retention-loop.js';
import { MAX_DURATION_MS, MAX_TIMER_MS } from '../../src/app/validation.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { HOUR, recordingLogger, T0 } from '../support/memory.js';

const HORIZON = 'DELEGATION_RETENTION_S';
const INTERVAL = 'DELEGATION_RETENTION_INTERVAL_S';
const BATCH = 'DELEGATION_RETENTION_BATCH';

describe('retention settings from the environment', () => {
  it('takes an empty or blank horizon as unset, without a warning', () => {
    for (const value of ['', ' ', '\t\n']) {
      const logger = recordingLogger();
      expect(retentionFromEnv({ [HORIZON]: value }, logger), JSON.stringify(value)).toBeNull();
      expect(logger.lines, JSON.stringify(value)).toEqual([]);
    }
  });

  it('takes an empty interval or batch as unset: the defaults, without a warning', () => {
    const logger = recordingLogger();
    expect(retentionFromEnv({ [HORIZON]: '60', [INTERVAL]: '', [BATCH]: '' }, logger)).toEqual({
      olderThanMs: 60_000,
      intervalMs: DEFAULT_RETENTION_INTERVAL_MS,
      batchSize: 1000,
    });
    expect(logger.lines).toEqual([]);
  });

  it('trims spaces around each value', () => {
    const logger = recordingLogger();
    expect(retentionFromEnv({ [HORIZON]: ' 60 ', [INTERVAL]: '\t30 ', [BATCH]: ' 50\n' }, logger)).toEqual({
      olderThanMs: 60_000,
      intervalMs: 30_000,
      batchSize: 50,
    });
    expect(logger.lines).toEqual([]);
  });

  it('accepts each exact maximum and refuses one past it', () => {
    const maxHorizonS = Math.floor(MAX_DURATION_MS / 1000);
    const maxIntervalS = Math.floor(MAX_TIMER_MS / 1000);
    const logger = recordingLogger();
    expect(retentionFromEnv({ [HORIZON]: String(maxHorizonS), [INTERVAL]: String(maxIntervalS), [BATCH]: String(MAX_PRUNE_BATCH) }, logger)).toEqual({
      olderThanMs: maxHorizonS * 1000,
      intervalMs: maxIntervalS * 1000,
      batchSize: MAX_PRUNE_BATCH,
    });
    expect(logger.lines).toEqual([]);
    expect(retentionFromEnv({ [HORIZON]: String(maxHorizonS + 1) }, logger)).toBeNull();
    expect(retentionFromEnv({ [HORIZON]: '60', [INTERVAL]: String(maxIntervalS + 1), [BATCH]: String(MAX_PRUNE_BATCH + 1) }, logger)).toEqual({
      olderThanMs: 60_000,
      intervalMs: DEFAULT_RETENTION_INTERVAL_MS,
      batchSize: 1000,
    });
    expect(logger.lines.map((line) => line.fields.variable)).toEqual([HORIZON, INTERVAL, BATCH]);
  });

  it('refuses numbers that are not plain digits: an exponent, a decimal point, hex, a sign', () => {
    for (const value of ['1e3', '1.0', '0x10', '+60', '60s', 's60']) {
      const logger = recordingLogger();
      expect(retentionFromEnv({ [HORIZON]: value }, logger), value).toBeNull();
      expect(logger.lines, value).toHaveLength(1);
      expect(retentionFromEnv({ [HORIZON]: '60', [BATCH]: value }, logger)?.batchSize, value).toBe(1000);
      expect(retentionFromEnv({ [HORIZON]: '60', [INTERVAL]: value }, logger)?.intervalMs, value).toBe(DEFAULT_RETENTION_INTERVAL_MS);
    }
  });

  it('warns with messages that name the variable and what happens instead', () => {
    const logger = recordingLogger();
    expect(retentionFromEnv({ [HORIZON]: '30d' }, logger)).toBeNull();
    expect(retentionFromEnv({ [HORIZON]: '60', [INTERVAL]: 'hourly', [BATCH]: 'lots' }, logger)).not.toBeNull();
    expect(logger.lines).toEqual([
      {
        level: 'warn',
        fields: { variable: HORIZON, value: '30d' },
        message: 'invalid DELEGATION_RETENTION_S (a positive whole number of seconds): retention is off',
      },
      {
        level: 'warn',
        fields: { variable: INTERVAL, value: 'hourly', fallbackMs: DEFAULT_RETENTION_INTERVAL_MS },
        message: 'invalid DELEGATION_RETENTION_INTERVAL_S, using the default',
      },
      {
        level: 'warn',
        fields: { variable: BATCH, value: 'lots', fallback: 1000 },
        message: 'invalid DELEGATION_RETENTION_BATCH, using the default',
      },
    ]);
  });
});

const RESULT: PruneResult = {
  horizon: new Date(0),
  dryRun: false,
  delegationsDeleted: 0,
  eventsDeleted: 0,
  batches: 1,
  wouldDelete: null,
  heldBackBy: null,
  aborted: false,
};

function countingLedger(fail = (_call: number) => false): Pick<Ledger, 'prune'> & { calls: PruneOptions[] } {
  const calls: PruneOptions[] = [];
  return {
    calls,
    prune: async (options) => {
      calls.push(options);
      if (fail(calls.length)) throw new Error('database down');
      return RESULT;
    },
  };
}

describe('the retention loop', () => {
  const settings = { olderThanMs: HOUR, intervalMs: 60_000, batchSize: 10 };

  it('logs that it started, with its settings', () => {
    const clock = new VirtualClock(T0);
    const logger = recordingLogger();
    const loop = new RetentionLoop(countingLedger(), clock, logger, settings);
    loop.start();
    expect(logger.lines).toEqual([{ level: 'info', fields: { olderThanMs: HOUR, intervalMs: 60_000, batchSize: 10 }, message: 'retention started' }]);
    void loop.stop();
  });

  it('stop() between prunes cancels the next one: no prune after it, no timer left', async () => {
    const clock = new VirtualClock(T0);
    const ledger = countingLedger();
    const loop = new RetentionLoop(ledger, clock, recordingLogger(), settings);
    loop.start();
    await clock.advanceAsync(0);
    expect(ledger.calls).toHaveLength(1);
    expect(ledger.calls[0]).toMatchObject({ olderThanMs: HOUR, batchSize: 10 });
    expect(loop.lastResult).toBe(RESULT);
    expect(clock.pendingTimers).toBe(1);
    await loop.stop();
    expect(clock.pendingTimers).toBe(0);
    await clock.advanceAsync(10 * 60_000);
    expect(ledger.calls).toHaveLength(1);
  });

  it('stop() after a prune has finished does not abort that prune’s signal', async () => {
    const clock = new VirtualClock(T0);
    const ledger = countingLedger();
    const loop = new RetentionLoop(ledger, clock, recordingLogger(), settings);
    loop.start();
    await clock.advanceAsync(0);
    await loop.stop();
    expect(ledger.calls[0]?.signal?.aborted).toBe(false);
  });

  it('logs each failed prune at error with the error and the count so far, and goes on', async () => {
    const clock = new VirtualClock(T0);
    const logger = recordingLogger();
    const ledger = countingLedger((call) => call <= 2);
    const loop = new RetentionLoop(ledger, clock, logger, settings);
    loop.start();
    await clock.advanceAsync(0);
    await clock.advanceAsync(60_000);
    await clock.advanceAsync(60_000);
    expect(ledger.calls).toHaveLength(3);
    expect(loop.failedPrunes).toBe(2);
    const errors = logger.lines.filter((line) => line.level === 'error');
    expect(errors.map((line) => [line.message, line.fields.failedPrunes, (line.fields.err as Error).message])).toEqual([
      ['prune failed; the next one tries again', 1, 'database down'],
      ['prune failed; the next one tries again', 2, 'database down'],
    ]);
    expect(loop.lastResult).toBe(RESULT);
    await loop.stop();
  });
});
