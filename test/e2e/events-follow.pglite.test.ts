import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/index.js';
import { api, DaemonProcess } from './support/daemon.js';
import { BIN, childEnv, finished, REPO, runCli } from './support/processes.js';
import { CASES, seed, withLibrary } from './support/seed.js';

let dir = '';
const daemons: DaemonProcess[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'delegations-follow-'));
});
afterAll(async () => {
  await Promise.all(daemons.map((daemon) => daemon.kill()));
  await rm(dir, { recursive: true, force: true });
});

/** `delegations events --follow --json <args>`, its stdout read line by line as it comes. */
function follower(args: readonly string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'events', '--follow', '--json', ...args], { cwd: REPO, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const events: StoredEvent[] = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line) as StoredEvent);
  });
  return { child, events, exited: finished(child) };
}

it('`events --follow --url` prints a PGlite daemon’s events through its stream, live, while the daemon holds the directory', async () => {
  const dataDir = join(dir, 'data');
  const store = { store: 'pglite', dataDir } as const;
  const overdue = await seed(store, { overdue: 2 });
  const before = await withLibrary(store, async ({ ledger }) => (await Promise.all(Object.values(CASES).map((id) => ledger.history(id)))).flat());
  const daemon = DaemonProcess.start('bin', ['--data-dir', dataDir], { DELEGATIONS_ADMIN_TOKEN: 'e2e-admin-token-0123456789abcdef' });
  daemons.push(daemon);
  const base = await daemon.url();
  await daemon.waitForLog('sweep complete');

  // The database is the daemon's: the CLI reading it directly is refused, through the stream it is not.
  expect((await runCli(['events', '--data-dir', dataDir])).code).toBe(1);
  const unauthorized = await runCli(['events', '--follow', '--url', base]);
  expect(unauthorized.code).toBe(1);
  expect(unauthorized.stderr).toMatch(/refused the event stream \(401\)/);

  const follow = follower(['--url', base], { DELEGATIONS_TOKEN: 'e2e-admin-token-0123456789abcdef' });
  // Everything from position 1: the seeded events and the first sweep's failures of the overdue ones.
  await expect.poll(() => follow.events.filter((event) => event.type === 'failed').map((event) => event.delegationId), { timeout: 30_000 }).toEqual(overdue);
  expect(follow.events.slice(0, before.length).map((event) => event.position)).toEqual(
    [...before].sort((a, b) => a.position - b.position).map((event) => event.position),
  );
  const cancel = await api(base, `/admin/delegations/${CASES.queued}/cancel`, {
    method: 'POST',
    token: 'e2e-admin-token-0123456789abcdef',
    body: '{"reason":"live"}',
  });
  expect(cancel.status).toBe(200);
  await expect.poll(() => follow.events.at(-1), { timeout: 30_000 }).toMatchObject({ type: 'cancelled', delegationId: CASES.queued, data: { reason: 'live' } });
  const positions = follow.events.map((event) => event.position);
  expect(positions).toEqual([...new Set(positions)].sort((a, b) => a - b));

  // The daemon's graceful stop does not wait on the open stream; the follower, told the stream ended, keeps trying until interrupted.
  daemon.signal('SIGTERM');
  expect((await daemon.exited).code).toBe(0);
  follow.child.kill('SIGINT');
  expect((await follow.exited).code).toBe(0);
}, 120_000);

it('`events --url` without --follow, or with --data-dir, is a usage error', async () => {
  expect((await runCli(['events', '--url', 'http://127.0.0.1:1'])).code).toBe(2);
  expect((await runCli(['events', '--follow', '--url', 'ftp://x'])).code).toBe(2);
  expect((await runCli(['events', '--follow', '--url', 'http://127.0.0.1:1', '--data-dir', dir])).code).toBe(2);
  expect((await runCli(['events', '--token', 'x'])).code).toBe(2);
});
