import { afterEach, expect } from 'vitest';
import type { HarnessOptions, LedgerHarness, LedgerHarnessFactory } from './harness.js';

/** Opens a harness for one case, with the suite's defaults under the case's own options. */
export type Given = (options?: HarnessOptions) => Promise<LedgerHarness>;

/**
 * The `given` of a contract suite: every harness a case opens is checked by `check` (by default:
 * its projections fold from its events) and closed after the case. Call it inside the suite's describe.
 */
export function givenHarnesses(factory: LedgerHarnessFactory, defaults: HarnessOptions, check: (h: LedgerHarness) => Promise<void> = foldsCleanly): Given {
  const opened: LedgerHarness[] = [];
  afterEach(async () => {
    for (const h of opened.splice(0)) {
      await check(h);
      await h.close();
    }
  });
  return async (options = {}) => {
    const h = await factory({ ...defaults, ...options });
    opened.push(h);
    return h;
  };
}

async function foldsCleanly(h: LedgerHarness): Promise<void> {
  expect((await h.verify()).mismatches).toEqual([]);
}

/** For suites whose cases close the store themselves: nothing to check after them. */
export const noCheck = async (): Promise<void> => undefined;
