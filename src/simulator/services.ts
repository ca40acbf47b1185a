import 'reflect-metadata';
import { Container } from 'inversify';
import { configModule } from '../app/config-module.js';
import type { DelegationsConfig } from '../app/config.js';
import type { Ledger, Sweeper } from '../app/ledger-api.js';
import { servicesModule } from '../app/services-module.js';
import { TOKENS } from '../app/tokens.js';
import { silentLogger } from '../adapters/logging/pino-logger.js';
import { memoryModule } from '../adapters/memory/memory-module.js';
import type { VirtualClock } from '../adapters/memory/virtual-clock.js';

export type SweepSetting = { readonly thresholdMs: number; readonly intervalMs: number };

export type SimulatedServices = {
  readonly ledger: Ledger;
  readonly sweeper: Sweeper;
  readonly config: DelegationsConfig;
};

/**
 * The production wiring (same modules a host loads) with the in-memory store
 * and a virtual clock: the simulation exercises the real ledger and sweeper.
 */
export function simulatedServices(setting: SweepSetting, clock: VirtualClock, bootGraceMs?: number): SimulatedServices {
  const overrides = { stuckThresholdMs: setting.thresholdMs, sweepIntervalMs: setting.intervalMs, bootGraceMs };
  const container = new Container();
  // An empty environment: DELEGATION_* variables of the shell must not change a reproducible run.
  container.load(configModule(overrides, silentLogger, {}), memoryModule({ clock }), servicesModule);
  return {
    ledger: container.get(TOKENS.Ledger),
    sweeper: container.get(TOKENS.Sweeper),
    config: container.get(TOKENS.Config),
  };
}
