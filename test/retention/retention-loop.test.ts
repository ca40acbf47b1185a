import { describe, expect, it } from 'vitest';
import type { Ledger, PruneOptions } from '../../src/app/ledger-api.js';
import { DEFAULT_RETENTION_INTERVAL_MS, RetentionLoop, retentionFromEnv } from '../../src/app/retention-loop.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { openDelegations } from '../../src/delegations.js';
import { recordingLogger } from '../../src/testing/fixtures.js';

const HOUR = 3_600_000;

describe('retention from the environment', () => {
  it('is off unless DELEGATION_RETENTION_S is set, and takes the defaults beside it', () => {
    expect(retentionFromEnv({}, silentLogger)).toBeNull();
    expect(retentionFromEnv({ DELEGATION_RETENTION_S: ' ' }, silentLogger)).toBeNull();
    expect(retentionFromEnv({ DELEGATION_RETENTION_S: '2592000' }, silentLogger)).toEqual({
      olderThanMs: 2_592_000_000,
      intervalMs: DEFAULT_RETENTION_INTERVAL_MS,
      batchSize: 1000,
    });
    expect(retentionFromEnv({ DELEGATION_RETENTION_S: '60', DELEGATION_RETENTION_INTERVAL_S: '30', DELEGATION_RETENTION_BATCH: '50' }, silentLogger)).toEqual({
      olderThanMs: 60_000,
      intervalMs: 30_000,
      batchSize: 50,
    });
  });

  it('turns retention off on a bad horizon and falls back on a bad interval or batch, warning with the variable each time', () => {
    for (const value of ['0', '-5', '30d', '1.5', 'abc', '99999999999999']) {
      const logger = recordingLogger();
      expect(retentionFromEnv({ DELEGATION_RETENTION_S: value }, logger)).toBeNull();
      expect(logger.lines).toEqual([
        expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ variable: 'DELEGATION_RETENTION_S', value }) }),
      ]);
    }
    const logger = recordingLogger();
    expect(retentionFromEnv({ DELEGATION_RETENTION_S: '60', DELEGATION_RETENTION_INTERVAL_S: '0', DELEGATION_RETENTION_BATCH: '10001' }, logger)).toEqual({
      olderThanMs: 60_000,
      intervalMs: DEFAULT_RETENTION_INTERVAL_MS,
      batchSize: 1000,
    });
    expect(logger.lines.map((line) => line.fields.variable)).toEqual(['DELEGATION_RETENTION_INTERVAL_S', 'DELEGATION_RETENTION_BATCH']);
  });
});

describe('the retention loop', () => {
  it('prunes at start and then every interval, by the ledger clock', async () => {
    const clock = new VirtualClock(new Date('2026-01-01T00:00:00Z'));
    const wired = await openDelegations({ store: 'memory', clock, logger: silentLogger, env: {} });
    const { ledger } = wired;
    const finish = async (id: string) => {
      await ledger.create({ delegationId: id, callerId: 'c', calleeId: 'a', task: 't' });
      await ledger.setStatus(id, 'completed', { resultPreview: 'ok' });
    };
    await finish('early');
    clock.advance(2 * HOUR);
    await finish('later');
    const loop = new RetentionLoop(ledger, clock, silentLogger, { olderThanMs: HOUR, intervalMs: HOUR, batchSize: 10 });
    loop.start();
    await clock.advanceAsync(0);
    expect(await ledger.get('early')).toBeNull();
    expect(await ledger.get('later')).not.toBeNull();
    // The second prune, an hour on: 'later' ended exactly at its horizon, which is not before it.
    await clock.advanceAsync(HOUR);
    expect(loop.lastResult).toMatchObject({ delegationsDeleted: 0 });
    expect(await ledger.get('later')).not.toBeNull();
    await clock.advanceAsync(HOUR);
    expect(await ledger.get('later')).toBeNull();
    expect(loop.lastResult).toMatchObject({ delegationsDeleted: 1, eventsDeleted: 2 });
    await loop.stop();
    await wired.close();
  });

  it('counts and logs a failed prune and goes on; stop() aborts the prune in progress and waits for it', async () => {
    const clock = new VirtualClock(new Date('2026-01-01T00:00:00Z'));
    const calls: PruneOptions[] = [];
    let release: () => void = () => undefined;
    const ledger: Pick<Ledger, 'prune'> = {
      prune: async (options) => {
        calls.push(options);
        if (calls.length === 1) throw new Error('database down');
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { horizon: new Date(0), dryRun: false, delegationsDeleted: 0, eventsDeleted: 0, batches: 1, wouldDelete: null, heldBackBy: null, aborted: true };
      },
    };
    const logger = recordingLogger();
    const loop = new RetentionLoop(ledger, clock, logger, { olderThanMs: HOUR, intervalMs: 60_000, batchSize: 10 });
    loop.start();
    await clock.advanceAsync(0);
    expect(loop.failedPrunes).toBe(1);
    expect(logger.lines.find((line) => line.level === 'error')?.message).toMatch(/prune failed/);
    await clock.advanceAsync(60_000);
    expect(calls).toHaveLength(2);
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    await clock.flush();
    expect(calls[1]?.signal?.aborted).toBe(true);
    expect(stopped).toBe(false);
    release();
    await stopping;
    await clock.advanceAsync(10 * 60_000);
    expect(calls).toHaveLength(2);
  });
});
