import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { createDelegations, openDelegations, type CreateDelegationsOptions } from '../../src/delegations.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { T0 } from '../support/memory.js';
import { optionCorpus, type Target } from './support/bad-input-corpus.js';
import { judge, runCorpus, summary, type Verdict } from './support/bad-input-judge.js';

// The memory half of the corpus: no database, so the mutation tier runs it (the PGlite half is bad-input.pglite.test.ts).
describe('the bad-input corpus at the library boundary', () => {
  it('on the memory store: every call refused with a typed error naming what was wrong, nothing written', async () => {
    const d = await openDelegations({ store: 'memory', clock: new VirtualClock(T0), bootGraceMs: 0, logger: silentLogger, env: {} });
    try {
      await runCorpus('memory', d);
    } finally {
      await d.close();
    }
  });

  it('createDelegations refuses every bad option with an InvalidInputError naming it, before it opens or creates anything', async () => {
    const dataDir = join(tmpdir(), `delegations-never-created-${process.pid}`);
    const verdicts: Verdict[] = [];
    for (const { label, options, field } of optionCorpus(dataDir)) {
      const target = { call: () => createDelegations(options as CreateDelegationsOptions), label, field };
      const verdict = await judge({ label, field, call: target.call }, {} as Target);
      verdicts.push(verdict.problem === null && existsSync(dataDir) ? { ...verdict, problem: 'created the data directory' } : verdict);
    }
    console.info(summary('createDelegations', verdicts, verdicts.filter((v) => v.problem === 'created the data directory').length));
    expect(verdicts.filter((v) => v.problem !== null)).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
  });
});
