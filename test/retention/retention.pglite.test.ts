import { Container } from 'inversify';
import { describe } from 'vitest';
import { drizzleModule } from '../../src/adapters/drizzle/drizzle-module.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { loadDelegations } from '../../src/wiring.js';
import { usePglite } from '../support/pglite.js';
import { describeRetention } from './retention-suite.js';

const pglite = usePglite();

describe('retention (PGlite)', () => {
  describeRetention(async (clock) => {
    await pglite().reset();
    await pglite().exec('DELETE FROM delegation_subscriptions');
    return loadDelegations(new Container(), { adapter: drizzleModule(pglite().shared, { clock }), config: {}, logger: silentLogger, env: {} });
  }, 10);
});
