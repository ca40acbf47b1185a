import { ContainerModule } from 'inversify';
import { ChangeSignal } from '../../app/change-signal.js';
import type { Clock } from '../../app/ports.js';
import { TOKENS } from '../../app/tokens.js';
import { silentLogger } from '../logging/pino-logger.js';
import { FetchWebhookSender } from '../system/fetch-webhook-sender.js';
import { timersFor } from '../system/system-timers.js';
import type { Connection } from './connections.js';
import { DatabaseClock } from './database-clock.js';
import { DrizzleDelegationStore } from './drizzle-store.js';
import { DrizzleWebhookStore } from './drizzle-webhook-store.js';
import { DrizzleEventFeed } from './event-feed.js';
import { preparedSwitch, type PreparedStatementsOption } from './pooler.js';
import { ledgerTables } from './schema/tables.js';

export type DrizzleModuleOptions = {
  readonly clock?: Clock | undefined;
  readonly sweepBatchSize?: number | undefined;
  /** Named prepared statements: 'auto' (the default) turns them off behind a pooler the connection detects. */
  readonly preparedStatements?: PreparedStatementsOption | undefined;
};

/** The Drizzle adapter family over an open connection; the database's clock unless a clock is given. */
export function drizzleModule(connection: Connection, options: DrizzleModuleOptions = {}): ContainerModule {
  const tables = connection.tables ?? ledgerTables();
  return new ContainerModule(({ bind }) => {
    const appended = new ChangeSignal();
    const onEventsAppended = () => {
      appended.notify();
      connection.notifications?.announce();
    };
    bind(TOKENS.Store).toConstantValue(
      new DrizzleDelegationStore(connection.db, {
        tables,
        preparedStatements: preparedSwitch(options.preparedStatements, connection.pooler),
        sweepBatchSize: options.sweepBatchSize,
        onClose: () => connection.close(),
        onEventsAppended,
      }),
    );
    bind(TOKENS.Clock).toConstantValue(options.clock ?? new DatabaseClock(connection.db));
    bind(TOKENS.Timers).toConstantValue(timersFor(options.clock));
    bind(TOKENS.WebhookStore).toConstantValue(new DrizzleWebhookStore(connection.db, tables.schema));
    bind(TOKENS.WebhookSender).toConstantValue(new FetchWebhookSender());
    bind(TOKENS.EventFeed)
      .toDynamicValue((context) => {
        const logger = context.get(TOKENS.Logger, { optional: true }) ?? silentLogger;
        return new DrizzleEventFeed(connection.db, appended, connection.notifications, logger, tables);
      })
      .inSingletonScope();
  });
}
