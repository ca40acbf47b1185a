import { ContainerModule } from 'inversify';
import type { Clock } from '../../app/ports.js';
import { TOKENS } from '../../app/tokens.js';
import type { Connection } from './connections.js';
import { DatabaseClock } from './database-clock.js';
import { DrizzleDelegationStore } from './drizzle-store.js';

/** The Drizzle adapter family over an open connection; the database's clock unless a clock is given. */
export function drizzleModule(connection: Connection, options: { clock?: Clock; sweepBatchSize?: number } = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Store).toConstantValue(
      new DrizzleDelegationStore(connection.db, { sweepBatchSize: options.sweepBatchSize, onClose: () => connection.close() }),
    );
    bind(TOKENS.Clock).toConstantValue(options.clock ?? new DatabaseClock(connection.db));
  });
}
