import { ContainerModule } from 'inversify';
import type { Clock } from '../../app/ports.js';
import { TOKENS } from '../../app/tokens.js';
import { SystemClock } from '../system/system-clock.js';
import { MemoryDelegationStore } from './memory-store.js';

/** The in-memory adapter family: a store per container and, unless given one, the system clock. */
export function memoryModule(options: { clock?: Clock; store?: MemoryDelegationStore } = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Store).toConstantValue(options.store ?? new MemoryDelegationStore());
    bind(TOKENS.Clock).toConstantValue(options.clock ?? new SystemClock());
  });
}
