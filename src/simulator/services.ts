import 'reflect-metadata';
import { Container } from 'inversify';
import type { DelegationsConfig } from '../app/config.js';
import type { Ledger, Sweeper } from '../app/ledger-api.js';
import { TOKENS } from '../app/tokens.js';
import { silentLogger } from '../adapters/logging/pino-logger.js';
import { memoryModule } from '../adapters/memory/memory-module.js';
import { MemoryDelegationStore } from '../adapters/memory/memory-store.js';
import type { VirtualClock } from '../adapters/memory/virtual-clock.js';
import { loadDelegations } from '../wiring.js';
import type { SimulatedPolicy } from './policies.js';
import { mulberry32, streamSeed } from './prng.js';

/** One row of the grid: the sweeper's threshold and interval, and the retry policy every delegation is created with (default none). */
export type SweepSetting = { readonly thresholdMs: number; readonly intervalMs: number; readonly policy?: SimulatedPolicy | undefined };

export type SimulatedServices = {
  readonly ledger: Ledger;
  readonly sweeper: Sweeper;
  readonly config: DelegationsConfig;
};

// Streams of the run's seed no agent uses (agents take 0 .. 2 * agents - 1): the backoffs' jitter.
const SWEEP_JITTER_STREAM = -1;
const LEDGER_JITTER_STREAM = -2;

/**
 * The production wiring (loadDelegations, as a host's) with the in-memory store
 * and a virtual clock: the simulation exercises the real ledger and sweeper.
 * The jitter of retry backoffs (the store's for the sweeper's requeues, TOKENS.Random for the
 * ledger's) is drawn from `seed`, so a run is reproducible.
 */
export function simulatedServices(setting: SweepSetting, clock: VirtualClock, bootGraceMs: number | undefined, seed: number): SimulatedServices {
  const config = { stuckThresholdMs: setting.thresholdMs, sweepIntervalMs: setting.intervalMs, bootGraceMs };
  const store = new MemoryDelegationStore({ random: mulberry32(streamSeed(seed, SWEEP_JITTER_STREAM)) });
  const container = new Container();
  container.bind(TOKENS.Random).toConstantValue({ next: mulberry32(streamSeed(seed, LEDGER_JITTER_STREAM)) });
  // An empty environment: DELEGATION_* variables of the shell must not change a reproducible run.
  const wired = loadDelegations(container, { adapter: memoryModule({ clock, store }), config, logger: silentLogger, env: {} });
  return { ledger: wired.ledger, sweeper: wired.sweeper, config: wired.config };
}
