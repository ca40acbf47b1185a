import { expect } from 'vitest';
import { DelegationError, InvalidInputError } from '../../../src/domain/index.js';
import type { LedgerServices } from '../../support/pglite.js';
import { type BadInput, SEEDED, serviceCorpus, type Target } from './bad-input-corpus.js';

export type Verdict = { readonly label: string; readonly problem: string | null; readonly kind: string };

/** Runs one case and says what was wrong with the answer (null: refused as it must be). */
export async function judge(c: BadInput, target: Target): Promise<Verdict> {
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
  // Naming the field is half of it: the message must say what is wrong with it.
  if (error instanceof InvalidInputError && error.problem.trim() === '') return { label: c.label, kind: expected, problem: 'gave no reason' };
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

export function summary(where: string, verdicts: readonly Verdict[], writes: number): string {
  const kinds = new Map<string, number>();
  for (const v of verdicts) kinds.set(v.kind, (kinds.get(v.kind) ?? 0) + 1);
  const refused = verdicts.filter((v) => v.problem === null).length;
  const by = [...kinds].map(([kind, n]) => `${kind} ${n}`).join(', ');
  return `bad-input corpus, library on ${where}: ${verdicts.length} inputs, ${refused} refused as required (${by}), ${verdicts.length - refused} not, ${writes} wrote something`;
}

export async function runCorpus(where: string, d: LedgerServices, sql?: () => Promise<unknown>): Promise<void> {
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
