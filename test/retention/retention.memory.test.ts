import { describe } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { openDelegations } from '../../src/delegations.js';
import { describeRetention } from './retention-suite.js';

describe('retention (memory)', () => {
  describeRetention((clock) => openDelegations({ store: 'memory', clock, logger: silentLogger, env: {} }), 200);
});
