import { Container } from 'inversify';
import { describe } from 'vitest';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { loadDelegations } from '../../src/wiring.js';
import { usePostgresConnection } from '../support/postgres.js';
import { describeRetention } from './retention-suite.js';

const postgres = usePostgresConnection('retention', 6);

describe('retention (PostgreSQL)', () => {
  describeRetention(async (clock) => {
    await postgres().reset();
    await postgres().exec('DELETE FROM delegation_subscriptions');
    return loadDelegations(new Container(), { adapter: drizzleModule(postgres().shared, { clock }), config: {}, logger: silentLogger, env: {} });
  }, 25);
});
