import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { createDelegations, openDelegations } from '../../src/delegations.js';

describe('opening a ledger that cannot be wired leaves nothing open behind', () => {
  const roots: string[] = [];
  const fresh = async () => {
    const root = await mkdtemp(join(tmpdir(), 'delegations-open-'));
    roots.push(root);
    return join(root, 'ledger');
  };
  afterAll(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

  it('refuses a bad configuration before it creates or locks a PGlite directory', async () => {
    const dataDir = await fresh();
    const opening = createDelegations({ store: 'pglite', dataDir, sweepIntervalMs: -1, logger: silentLogger, env: {} });
    await expect(opening).rejects.toMatchObject({ name: 'InvalidInputError', field: 'sweepIntervalMs' });
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses a store decorator that is not a function, and bad time limits even with a host pool', async () => {
    const decorateStore = 'metrics' as unknown as never;
    await expect(openDelegations({ store: 'memory', decorateStore, logger: silentLogger, env: {} })).rejects.toMatchObject({ field: 'decorateStore' });
    const pool = { query: async () => undefined, connect: async () => undefined, end: async () => undefined } as never;
    const bad = createDelegations({ store: 'postgres', pool, statementTimeoutMs: 0, logger: silentLogger, env: {} });
    await expect(bad).rejects.toMatchObject({ name: 'InvalidInputError', field: 'statementTimeoutMs' });
    const flag = createDelegations({ store: 'pglite', preparedStatements: 'false' as unknown as boolean, logger: silentLogger, env: {} });
    await expect(flag).rejects.toMatchObject({ name: 'InvalidInputError', field: 'preparedStatements' });
  });

  it('closes the connection when wiring fails after it opened: the same directory opens again in this process', async () => {
    const dataDir = await fresh();
    const decorateStore = () => {
      throw new Error('decorator failed');
    };
    await expect(openDelegations({ store: 'pglite', dataDir, decorateStore, logger: silentLogger, env: {} })).rejects.toThrow('decorator failed');
    const again = await createDelegations({ store: 'pglite', dataDir, logger: silentLogger, env: {} });
    await again.close();
  });
});
