import { afterEach, describe, expect, it } from 'vitest';
import { pgliteLedger, postgresLedger, type LedgerHarness, type LedgerHarnessFactory } from '../support/ledger-harness.js';
import { usePglite } from '../support/pglite.js';
import { usePostgresDatabase } from '../support/postgres.js';

const pglite = usePglite();
const postgres = usePostgresDatabase('verify');

/** Six delegations in different states, written through the ledger and the sweeper. */
async function ledgerOfSix(h: LedgerHarness): Promise<void> {
  for (const id of ['d1', 'd2', 'd3', 'd4', 'd5', 'd6']) {
    await h.ledger.create({ delegationId: id, callerId: 'caller', calleeId: 'agent', task: `task ${id}` });
    await h.ledger.setStatus(id, 'dispatched');
  }
  await h.ledger.heartbeat('d2', { progress: 4 });
  await h.ledger.setStatus('d3', 'completed', { resultPreview: 'done' });
  await h.ledger.heartbeat('d4');
  h.clock.advance(h.config.stuckThresholdMs + 1);
  await h.sweeper.sweep();
  await h.ledger.setStatus('d5', 'failed', { errorDetail: 'boom' });
}

function describeVerify(name: string, factory: LedgerHarnessFactory): void {
  describe(`verify() on ${name}`, () => {
    const opened: LedgerHarness[] = [];
    const given = async () => {
      const h = await factory({ bootGraceMs: 0 });
      opened.push(h);
      await ledgerOfSix(h);
      expect(await h.verify()).toEqual({ checked: 6, mismatches: [] });
      return h;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((h) => h.close()));
    });
    const sql = (h: LedgerHarness, text: string) => (h.sql as (text: string) => Promise<unknown>)(text);

    it('names each corrupted row and what differs from the fold of its events, and only those', async () => {
      const h = await given();
      await sql(h, "UPDATE delegations SET status = 'completed' WHERE delegation_id = 'd1'");
      await sql(h, "UPDATE delegations SET result_preview = 'forged' WHERE delegation_id = 'd3'");
      await sql(h, "UPDATE delegations SET deadline = deadline + interval '1 hour', attempt = 2 WHERE delegation_id = 'd6'");
      const report = await h.verify();
      expect(report.checked).toBe(6);
      expect(report.mismatches.map((m) => m.delegationId)).toEqual(['d1', 'd3', 'd6']);
      const problems = Object.fromEntries(report.mismatches.map((m) => [m.delegationId, m.problems]));
      expect(problems.d1).toEqual([expect.stringMatching(/^status: row has "completed", events give "stuck"$/)]);
      expect(problems.d3).toEqual([expect.stringMatching(/^resultPreview: row has "forged", events give "done"$/)]);
      expect(problems.d6?.map((p) => p.split(':')[0]).sort()).toEqual(['attempt', 'deadline']);
    });

    it('reports a broken stream: a gap in the versions, a second terminal event', async () => {
      const h = await given();
      await sql(h, "UPDATE delegation_events SET version = 9 WHERE delegation_id = 'd2' AND version = 3");
      await sql(
        h,
        `INSERT INTO delegation_events (delegation_id, version, attempt, type, from_status, to_status, actor, details, occurred_at)
        SELECT 'd5', 5, 1, 'completed', 'failed', 'completed', 'forger', '{"result": null}'::jsonb, now()`,
      );
      const report = await h.verify();
      expect(report.mismatches.map((m) => m.delegationId)).toEqual(['d2', 'd5']);
      const [d2, d5] = report.mismatches;
      expect(d2?.problems).toContainEqual(expect.stringMatching(/has version 9, expected 3/));
      expect(d5?.problems).toContainEqual('2 terminal events');
      expect(d5?.problems).toContainEqual(expect.stringMatching(/^status: row has "failed", events give "completed"$/));
    });

    it('compares the retry policy by its fields: the row’s own copy matches, a forged field is named', async () => {
      const h = await given();
      const retry = { maxAttempts: 3, initialDelayMs: 1000, backoffFactor: 2, maxDelayMs: 60_000, jitter: 0, requeueStuckAfterMs: null };
      await h.ledger.create({ delegationId: 'd7', callerId: 'caller', calleeId: 'agent', task: 'task d7', retry });
      expect(await h.verify()).toEqual({ checked: 7, mismatches: [] });
      await sql(h, `UPDATE delegations SET retry = jsonb_set(retry, '{maxAttempts}', '9') WHERE delegation_id = 'd7'`);
      const report = await h.verify();
      expect(report.mismatches.map((m) => m.delegationId)).toEqual(['d7']);
      expect(report.mismatches[0]?.problems).toEqual([expect.stringMatching(/^retry: row has .*"maxAttempts":9/)]);
    });

    it('leaves heartbeat-only fields alone: they live in the projection, not in the events', async () => {
      const h = await given();
      await sql(h, "UPDATE delegations SET last_heartbeat = now(), progress = 99 WHERE delegation_id = 'd2'");
      expect(await h.verify()).toEqual({ checked: 6, mismatches: [] });
    });
  });
}

describeVerify('PGlite', pgliteLedger(pglite));
describeVerify('PostgreSQL', postgresLedger(postgres));
