import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess } from './support/daemon.js';

type Poll = { readonly starting: number; readonly longestGapMs: number };

/**
 * Asks /healthz again as soon as it answers, from the moment the API listens
 * until it says ok; the longest wait between two answers is how long the
 * daemon's event loop was blocked at most.
 */
async function pollHealth(base: string, daemon: DaemonProcess): Promise<Poll> {
  let last = performance.now();
  let longestGapMs = 0;
  let starting = 0;
  for (;;) {
    if (!daemon.running) throw new Error('the daemon exited during start-up');
    const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(30_000) });
    const body = (await response.json()) as { status: string };
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    if (body.status === 'ok') return { starting, longestGapMs: Math.round(longestGapMs) };
    expect({ status: response.status, body }).toMatchObject({ status: 503, body: { status: 'starting' } });
    starting += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function startAndPoll(dataDir: string): Promise<Poll> {
  const daemon = DaemonProcess.start('bin', ['--data-dir', dataDir], { LOG_LEVEL: 'info' });
  try {
    const poll = await pollHealth(await daemon.url(), daemon);
    daemon.signal('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    return poll;
  } finally {
    await daemon.kill();
  }
}

describe('/healthz while the daemon opens PGlite', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'delegations-health-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps answering "starting" while a fresh data directory is created: no longer blocked than opening an existing one', async () => {
    const dataDir = join(dir, 'data');
    const fresh = await startAndPoll(dataDir);
    const existing = await startAndPoll(dataDir);
    console.info(`/healthz during start-up: fresh directory ${JSON.stringify(fresh)}, existing directory ${JSON.stringify(existing)}`);
    // Creating the cluster (initdb, migrations) takes seconds; it must not hold the event loop, so the
    // longest stall of a fresh start is the open's own, as on a directory that already exists.
    expect(fresh.starting).toBeGreaterThan(existing.starting);
    expect(fresh.longestGapMs).toBeLessThan(2 * existing.longestGapMs + 250);
  }, 120_000);
});
