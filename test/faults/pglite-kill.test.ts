import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDelegations, silentLogger, type Delegations } from '../../src/index.js';
import { api, DaemonProcess } from '../e2e/support/daemon.js';
import { auditLog, report, type LoggedEvent } from './support/audit.js';
import { Acknowledged } from './support/load.js';
import { until } from './support/wait.js';

const ROUNDS = 5;
const PER_ROUND = 40;
// Answers a round waits for before the kill: the rest of its cancels are still being written.
const KILL_AFTER = 10;

type CancelAnswer = { readonly outcome?: string; readonly event?: { readonly version: number; readonly toStatus: string } };

describe('kill -9 of a PGlite daemon in the middle of its writes, five rounds', () => {
  let dir = '';
  const daemons: DaemonProcess[] = [];
  let library: Delegations | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dl-pglite-kill-'));
  });
  afterAll(async () => {
    await Promise.all(daemons.map((daemon) => daemon.kill()));
    await library?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function readyDaemon(): Promise<{ daemon: DaemonProcess; base: string }> {
    const daemon = DaemonProcess.start('bin', ['--data-dir', dir], { LOG_LEVEL: 'info' });
    daemons.push(daemon);
    const base = await daemon.url();
    await until('the daemon answers healthy', async () => (await api(base, '/healthz')).status === 200, 45_000);
    return { daemon, base };
  }

  /** Every write acknowledged so far is there, as acknowledged: checked through the restarted daemon. */
  async function missing(base: string, acks: Acknowledged): Promise<string[]> {
    const statuses = await Promise.all(
      acks.writes.map(async (ack) => {
        const { body } = await api(base, `/admin/delegations/${ack.delegationId}`);
        return (body as { delegation?: { status?: string } }).delegation?.status === ack.toStatus ? null : ack.delegationId;
      }),
    );
    return statuses.filter((id): id is string => id !== null);
  }

  it('loses no acknowledged write and comes back healthy and verified after each kill', async () => {
    const ids = Array.from({ length: ROUNDS * PER_ROUND }, (_, i) => `pgl-${String(i).padStart(3, '0')}`);
    const seeding = await createDelegations({ store: 'pglite', dataDir: dir, logger: silentLogger, env: {} });
    try {
      for (const id of ids) await seeding.ledger.create({ delegationId: id, callerId: 'ops', calleeId: 'agent', task: 'work' });
    } finally {
      await seeding.close();
    }

    const acks = new Acknowledged();
    const lostPerRound: number[] = [];
    let unanswered = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const { daemon, base } = await readyDaemon();
      lostPerRound.push((await missing(base, acks)).length);
      let answered = 0;
      const cancels = ids.slice(round * PER_ROUND, (round + 1) * PER_ROUND).map(async (id) => {
        try {
          const response = await api(base, `/admin/delegations/${id}/cancel`, { method: 'POST', body: JSON.stringify({ reason: `round ${round}` }) });
          const answer = response.body as CancelAnswer;
          if (response.status !== 200 || answer.outcome !== 'applied' || answer.event === undefined)
            throw new Error(`${id}: ${response.status} ${response.text}`);
          acks.add({ delegationId: id, version: answer.event.version, toStatus: answer.event.toStatus });
          answered += 1;
        } catch (error) {
          if (!(error instanceof TypeError)) throw error;
          unanswered += 1; // killed with the request open: nothing acknowledged
        }
      });
      await until(`${KILL_AFTER} cancels of round ${round} are answered`, () => answered >= KILL_AFTER);
      daemon.signal('SIGKILL');
      await daemon.exited;
      await Promise.all(cancels);
    }
    const { daemon: last, base } = await readyDaemon();
    lostPerRound.push((await missing(base, acks)).length);
    last.signal('SIGTERM');
    expect((await last.exited).code).toBe(0);

    library = await createDelegations({ store: 'pglite', dataDir: dir, logger: silentLogger, env: {} });
    const verified = await library.verify();
    const log: LoggedEvent[] = [];
    for (const id of ids) for (const event of await library.ledger.history(id)) log.push({ ...event, toStatus: event.toStatus });
    const audit = auditLog(
      log.sort((a, b) => a.position - b.position),
      acks.writes,
    );
    report('PGlite daemon kill -9 mid-write x5', {
      acknowledged: acks.writes.length,
      unanswered,
      lost: audit.lost,
      lostSeenOnRestart: lostPerRound.reduce((sum, n) => sum + n, 0),
      reversed: audit.reversed,
      doubleTerminal: audit.doubleTerminal,
      checked: verified.checked,
      mismatches: verified.mismatches.length,
    });

    expect(unanswered, 'each kill cut writes short').toBeGreaterThan(0);
    expect(lostPerRound).toEqual(Array.from({ length: ROUNDS + 1 }, () => 0));
    expect(audit).toEqual({ lost: 0, reversed: 0, doubleTerminal: 0 });
    expect(verified).toEqual({ checked: ids.length, mismatches: [] });
  });
});
