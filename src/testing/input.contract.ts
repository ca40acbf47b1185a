import { describe, expect, it } from 'vitest';
import { InvalidInputError, STATUSES } from '../domain/index.js';
import type { CreateInput } from '../app/ledger-api.js';
import type { LedgerHarness, LedgerHarnessFactory } from './harness.js';
import { givenHarnesses } from './given.js';

const LIMIT = 4096;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Every text field a caller, agent or operator can send; injected text must come back verbatim or be refused. */
export const HOSTILE = [
  "it's",
  '"double" and `back` quotes',
  'back\\slash\\',
  "'; DROP TABLE delegations; --",
  "'); DELETE FROM delegation_events; --",
  "' OR '1'='1",
  '$1 $2 ::text ?',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder sent as text is the point
  '%s %d {{x}} ${x}',
  "E'\\x00' \\000 \\u0000",
  'line\nbreak\ttab\rreturn',
  'emoji 😀 ünïcödé 漢字 \u202Eevil',
  '/* block */ -- comment',
  'x'.repeat(255),
] as const;

const ZEROS = Object.fromEntries(STATUSES.map((status) => [status, 0]));

/** Bad input at the ledger's boundary, on every store: typed refusals, nothing half-written, nothing executed. */
export function describeInputContract(name: string, factory: LedgerHarnessFactory): void {
  describe(`Ledger input contract: ${name}`, () => {
    const given = givenHarnesses(factory, { bootGraceMs: 0 }, expectTablesIntact);

    describeDetails(given);
    describeRefusals(given);
    describeInjection(given);
  });
}

async function expectTablesIntact(h: LedgerHarness): Promise<void> {
  expect((await h.verify()).mismatches).toEqual([]);
  if (h.sql === undefined) return;
  const [tables] = await h.sql("SELECT to_regclass('delegations') IS NOT NULL AS d, to_regclass('delegation_events') IS NOT NULL AS e");
  expect(tables).toEqual({ d: true, e: true });
  const [counts] = await h.sql('SELECT (SELECT count(*) FROM delegations) AS rows, (SELECT count(DISTINCT delegation_id) FROM delegation_events) AS streams');
  expect(Number(counts?.rows)).toBe(Number(counts?.streams));
}

function describeDetails(given: () => Promise<LedgerHarness>): void {
  describe('details', () => {
    it('cuts oversized multi-byte details to 4 KiB on a character boundary and reads them back intact', async () => {
      const h = await given();
      const task = '€'.repeat(2000);
      const result = '😀'.repeat(1100);
      const error = `a${'é'.repeat(3000)}`;
      const cut = { task: '€'.repeat(1365), result: '😀'.repeat(1024), error: `a${'é'.repeat(2047)}` };
      await h.ledger.create({ callerId: 'c', calleeId: 'a', task, delegationId: 'ok' });
      await h.ledger.create({ callerId: 'c', calleeId: 'a', task: `${'x'.repeat(LIMIT - 1)}😀`, delegationId: 'edge' });
      await h.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: 'bad' });
      expect(await h.ledger.setStatus('ok', 'completed', { resultPreview: result })).toMatchObject({
        outcome: 'applied',
        delegation: { resultPreview: cut.result },
      });
      expect(await h.ledger.setStatus('bad', 'failed', { errorDetail: error })).toMatchObject({ outcome: 'applied', delegation: { errorDetail: cut.error } });
      const ok = await h.ledger.get('ok');
      expect(ok).toMatchObject({ taskPreview: cut.task, resultPreview: cut.result });
      expect((await h.ledger.get('bad'))?.errorDetail).toBe(cut.error);
      expect((await h.ledger.get('edge'))?.taskPreview).toBe('x'.repeat(LIMIT - 1));
      for (const text of [cut.task, cut.result, cut.error]) {
        expect(bytes(text)).toBeLessThanOrEqual(LIMIT);
        expect(text).not.toContain('\uFFFD');
      }
      const history = await h.ledger.history('ok');
      expect(history[0]?.data).toMatchObject({ taskPreview: cut.task });
      expect(history[1]?.data).toEqual({ result: cut.result });
      if (h.sql) {
        const rows = await h.sql(
          'SELECT max(octet_length(task_preview)) AS task, max(octet_length(result_preview)) AS result, max(octet_length(error_detail)) AS error FROM delegations',
        );
        expect(rows[0]).toEqual({ task: LIMIT - 1, result: LIMIT, error: LIMIT - 1 });
      }
    });

    it('drops NUL characters from free text (PostgreSQL text cannot hold them) and keeps the rest', async () => {
      const h = await given();
      await h.ledger.create({ callerId: 'c', calleeId: 'a', task: 'before\u0000after', delegationId: 'n1' });
      await h.ledger.setStatus('n1', 'completed', { resultPreview: '\u0000result\u0000' });
      await h.ledger.create({ callerId: 'c', calleeId: 'a', task: 't', delegationId: 'n2' });
      await h.ledger.cancel('n2', { reason: 'why\u0000not' });
      expect(await h.ledger.get('n1')).toMatchObject({ taskPreview: 'beforeafter', resultPreview: 'result' });
      expect(await h.ledger.get('n2')).toMatchObject({ errorDetail: 'whynot' });
    });
  });
}

function describeRefusals(given: () => Promise<LedgerHarness>): void {
  describe('refusals', () => {
    const base: CreateInput = { callerId: 'c', calleeId: 'a', task: 't', delegationId: 'd1' };

    it('refuses a deadline that is not in the future, or not a date, naming the field and writing nothing', async () => {
      const h = await given();
      const now = h.clock.now().getTime();
      for (const deadline of [new Date(now - 365 * 24 * 3_600_000), new Date(0), new Date(now), 'tomorrow', Number.NaN]) {
        await expect(h.ledger.create({ ...base, deadline })).rejects.toMatchObject({ name: 'InvalidInputError', field: 'deadline' });
      }
      expect(await h.ledger.stats()).toEqual(ZEROS);
      expect(await h.ledger.get('d1')).toBeNull();
    });

    it('refuses a deadline beyond what every store can hold, naming the field and writing nothing', async () => {
      const h = await given();
      for (const deadline of [new Date('+010000-01-01T00:00:00.000Z'), new Date(8.64e15)]) {
        await expect(h.ledger.create({ ...base, deadline })).rejects.toMatchObject({ name: 'InvalidInputError', field: 'deadline' });
      }
      expect(await h.ledger.stats()).toEqual(ZEROS);
    });

    it('refuses NUL characters, lone surrogates, blanks and oversized values in identifiers, naming the field', async () => {
      const h = await given();
      const bad = ['with\u0000nul', 'lone \uD800 high', 'lone \uDC00 low', '   ', '', 'x'.repeat(256), 'é'.repeat(128)];
      const fields = ['delegationId', 'callerId', 'calleeId', 'idempotencyKey'] as const;
      for (const field of fields) {
        for (const value of bad) {
          const attempt = h.ledger.create({ ...base, [field]: value });
          await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
          await expect(attempt).rejects.toMatchObject({ field });
        }
      }
      expect(await h.ledger.stats()).toEqual(ZEROS);
      await h.ledger.create(base);
      for (const value of bad) {
        await expect(h.ledger.setStatus('d1', 'dispatched', { actor: value })).rejects.toMatchObject({ name: 'InvalidInputError', field: 'actor' });
        await expect(h.ledger.get(value)).rejects.toMatchObject({ field: 'delegationId' });
      }
      expect(await h.ledger.history('d1')).toHaveLength(1);
    });
  });
}

function describeInjection(given: () => Promise<LedgerHarness>): void {
  describe('quotes, backslashes and SQL in every text field', () => {
    it('stores each verbatim, never executes it, and finds it again by the same text', async () => {
      const h = await given();
      for (const text of HOSTILE) {
        const input = { delegationId: text, callerId: text, calleeId: text, task: text, idempotencyKey: text };
        const created = await h.ledger.create(input);
        expect(created).toMatchObject({ delegationId: text, callerId: text, calleeId: text, taskPreview: text, idempotencyKey: text });
        expect(await h.ledger.create({ ...input, delegationId: `again-${created.version}-${text.length}` })).toEqual(created);
        await h.ledger.setStatus(text, 'dispatched', { actor: text });
        await h.ledger.setStatus(text, 'in_progress', { actor: text });
        expect(await h.ledger.heartbeat(text, { progress: 1 })).toMatchObject({ outcome: 'recorded' });
        await h.ledger.setStatus(text, 'completed', { actor: text, resultPreview: text });
        expect(await h.ledger.get(text)).toMatchObject({ delegationId: text, status: 'completed', resultPreview: text, taskPreview: text });
        const history = await h.ledger.history(text);
        expect(history.map((event) => event.actor)).toEqual(['caller', text, text, text]);
        expect(history[3]?.data).toEqual({ result: text });
        expect(history[0]?.data).toMatchObject({ callerId: text, calleeId: text, taskPreview: text, idempotencyKey: text });
      }
      for (const [index, text] of HOSTILE.entries()) {
        const id = `fail-${index}`;
        await h.ledger.create({ delegationId: id, callerId: 'c', calleeId: 'a', task: 't' });
        await h.ledger.setStatus(id, 'failed', { errorDetail: text, actor: text });
        expect(await h.ledger.get(id)).toMatchObject({ status: 'failed', errorDetail: text });
        expect(await h.ledger.heartbeatMany([id, text])).toMatchObject([{ outcome: 'refused' }, { outcome: 'refused' }]);
      }
      expect(await h.ledger.stats()).toEqual({ ...ZEROS, completed: HOSTILE.length, failed: HOSTILE.length });
      expect((await h.ledger.list({ status: 'completed', limit: 1000 })).map((d) => d.delegationId).sort()).toEqual([...HOSTILE].sort());
    });
  });
}
