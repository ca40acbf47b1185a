import 'reflect-metadata';
import { Container } from 'inversify';
import type { DelegationsConfig } from '../app/config.js';
import type { Ledger, Sweeper } from '../app/ledger-api.js';
import { silentLogger } from '../adapters/logging/pino-logger.js';
import { memoryModule } from '../adapters/memory/memory-module.js';
import type { VirtualClock } from '../adapters/memory/virtual-clock.js';
import { loadDelegations } from '../wiring.js';

export type SweepSetting = { readonly thresholdMs: number; readonly intervalMs: number };

export type SimulatedServices = {
  readonly ledger: Ledger;
  readonly sweeper: Sweeper;
  readonly config: DelegationsConfig;
};

/**
 * The production wiring (loadDelegations, as a host's) with the in-memory store
 * and a virtual clock: the simulation exercises the real ledger and sweeper.
 */
export function simulatedServices(setting: SweepSetting, clock: VirtualClock, bootGraceMs?: number): SimulatedServices {
  const config = { stuckThresholdMs: setting.thresholdMs, sweepIntervalMs: setting.intervalMs, bootGraceMs };
  // An empty environment: DELEGATION_* variables of the shell must not change a reproducible run.
  const { ledger, sweeper, config: resolved } = loadDelegations(new Container(), { adapter: memoryModule({ clock }), config, logger: silentLogger, env: {} });
  return { ledger, sweeper, config: resolved };
}
