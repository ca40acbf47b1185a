import { createDelegations, type Delegations } from '../../src/delegations.js';
import type { ConfigOverrides } from '../../src/app/config.js';
import type { Logger } from '../../src/app/ports.js';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';

import { T0 } from '../../src/testing/streams.js';

export { T0 };
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export type Harness = Delegations & { readonly clock: VirtualClock };

/** A ledger and sweeper on the in-memory store, a virtual clock at T0 and no environment. */
export async function memoryHarness(options: ConfigOverrides & { env?: Record<string, string | undefined>; logger?: Logger } = {}): Promise<Harness> {
  const clock = new VirtualClock(T0);
  const d = await createDelegations({ store: 'memory', clock, logger: silentLogger, env: {}, ...options });
  return Object.assign(d, { clock });
}

export { recordingLogger, type LogLine } from '../../src/testing/fixtures.js';

/** Keeps every field but the heartbeat-only ones (heartbeats are not events, so a fold cannot know them). */
export function withoutHeartbeat<T extends { lastHeartbeat: unknown; progress: unknown }>(value: T): Omit<T, 'lastHeartbeat' | 'progress'> {
  const { lastHeartbeat: _h, progress: _p, ...rest } = value;
  return rest;
}
