import { describe, it } from 'vitest';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { delegationsOnPglite, usePglite } from '../support/pglite.js';
import { T0 } from '../support/memory.js';
import { runCorpus } from './support/bad-input-judge.js';

describe('the bad-input corpus at the library boundary', () => {
  const pglite = usePglite();
  it('on PGlite: the same calls, the same refusals, no row or event written', async () => {
    const d = await delegationsOnPglite(pglite(), { clock: new VirtualClock(T0) });
    const tables = () =>
      pglite().exec(
        'SELECT (SELECT count(*) FROM delegations) AS rows, (SELECT count(*) FROM delegation_events) AS events, (SELECT count(*) FROM delegation_subscriptions) AS subscriptions',
      );
    try {
      await runCorpus('PGlite', d, tables);
    } finally {
      await d.close();
    }
  });
});
