import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/adapters/memory/virtual-clock.js';
import { createDelegations, openDelegations, type CreateDelegationsOptions } from '../../src/delegations.js';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { DelegationError, InvalidInputError } from '../../src/domain/index.js';
import { delegationsOnPglite, usePglite, type LedgerServices } from '../support/pglite.js';
import { T0 } from '../support/memory.js';
import { type BadInput, optionCorpus, SEEDED, serviceCorpus, type Target } from './support/bad-input-corpus.js';

type Verdict = { readonly label: string; readonly problem: string | null; readonly kind: string };

/** Runs one case and says what was wrong with the answer (null: refused as it must be). */
async function judge(c: BadInput, target: Target): Promise<Verdict> {
  let answer: { threw: unknown } | { returned: unknown };
  try {
    answer = { returned: await c.call(target) };
  } catch (error) {
    answer = { threw: error };
  }
  if (c.outcome !== undefined) {
    const outcome = 'returned' in answer ? (answer.returned as { outcome?: string }).outcome : `threw ${String((answer as { threw: unknown }).threw)}`;
    return { label: c.label, kind: `outcome ${c.outcome}`, problem: outcome === c.outcome ? null : `answered ${outcome}` };
  }
  if ('returned' in answer) return { label: c.label, kind: 'accepted', problem: 'accepted' };
  const error = answer.threw;
  const expected = c.error ?? 'InvalidInputError';
  if (!(error instanceof DelegationError) || error.name !== expected) return { label: c.label, kind: 'untyped', problem: `threw ${String(error)}` };
  if (error instanceof InvalidInputError && c.field !== undefined && error.field !== c.field) {
    return { label: c.label, kind: expected, problem: `named ${error.field}, not ${c.field}` };
  }
  return { label: c.label, kind: expected, problem: null };
}

async function seedCorpus(d: LedgerServices): Promise<void> {
  await d.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: SEEDED.queued });
  await d.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: SEEDED.running });
  await d.ledger.setStatus(SEEDED.running, 'in_progress');
  await d.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: SEEDED.done });
  await d.ledger.setStatus(SEEDED.done, 'completed', { resultPreview: 'r' });
}

/** Everything a write could change: the rows, each stream, and (on a database) every table's size. */
async function snapshot(d: LedgerServices, sql?: () => Promise<unknown>): Promise<string> {
  const rows = await d.ledger.list({ status: 'all', limit: 1000 });
  const streams = await Promise.all(rows.map((row) => d.ledger.history(row.delegationId)));
  return JSON.stringify({ rows, streams, tables: await sql?.() });
}

function summary(where: string, verdicts: readonly Verdict[], writes: number): string {
  const kinds = new Map<string, number>();
  for (const v of verdicts) kinds.set(v.kind, (kinds.get(v.kind) ?? 0) + 1);
  const refused = verdicts.filter((v) => v.problem === null).length;
  const by = [...kinds].map(([kind, n]) => `${kind} ${n}`).join(', ');
  return `bad-input corpus, library on ${where}: ${verdicts.length} inputs, ${refused} refused as required (${by}), ${verdicts.length - refused} not, ${writes} wrote something`;
}

async function runCorpus(where: string, d: LedgerServices, sql?: () => Promise<unknown>): Promise<void> {
  await seedCorpus(d);
  const target: Target = { ledger: d.ledger, subscriptions: d.subscriptions };
  const verdicts: Verdict[] = [];
  const writes: string[] = [];
  let before = await snapshot(d, sql);
  for (const c of serviceCorpus()) {
    verdicts.push(await judge(c, target));
    const after = await snapshot(d, sql);
    if (after !== before) writes.push(c.label);
    before = after;
  }
  await d.subscriptions.stopAll();
  console.info(summary(where, verdicts, writes.length));
  expect(verdicts.filter((v) => v.problem !== null)).toEqual([]);
  expect(writes).toEqual([]);
  expect(verdicts.length).toBeGreaterThan(150);
  expect((await d.verify()).mismatches).toEqual([]);
}

describe('the bad-input corpus at the library boundary', () => {
  it('on the memory store: every call refused with a typed error naming what was wrong, nothing written', async () => {
    const d = await openDelegations({ store: 'memory', clock: new VirtualClock(T0), bootGraceMs: 0, logger: silentLogger, env: {} });
    try {
      await runCorpus('memory', d);
    } finally {
      await d.close();
    }
  });

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
