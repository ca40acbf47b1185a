import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, DaemonProcess } from './support/daemon.js';
import { runCli } from './support/processes.js';

/** A token minted by the CLI, as an operator would: the secret and the entry to configure. */
async function mint(args: string[]): Promise<{ token: string; entry: Record<string, unknown> }> {
  const minted = await runCli(['token', 'create', ...args, '--json']);
  expect(minted.code, minted.stderr).toBe(0);
  return JSON.parse(minted.stdout);
}

// Issue 14: with a token table the daemon serves callers and agents on HOST; the secrets never reach its log.
describe('the daemon with a token table (DELEGATIONS_TOKENS_FILE), on PGlite', () => {
  let dir = '';
  let daemon: DaemonProcess | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'delegations-tokens-'));
  });
  afterAll(async () => {
    await daemon?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on HOST, and a caller and an agent drive a delegation with their own tokens', async () => {
    const caller = await mint(['--role', 'caller', '--caller', 'web', '--name', 'web-1']);
    const agent = await mint(['--role', 'agent', '--callee', 'translator', '--name', 't1']);
    const file = join(dir, 'tokens.json');
    await writeFile(file, JSON.stringify([caller.entry, agent.entry]));
    daemon = DaemonProcess.start('bin', ['--data-dir', join(dir, 'data')], { HOST: '0.0.0.0', LOG_LEVEL: 'info', DELEGATIONS_TOKENS_FILE: file });
    const listening = await daemon.waitForLog('admin API listening');
    expect(listening).toMatchObject({ auth: true, tokens: 2 });
    expect(new URL(String(listening.url)).hostname).toBe('0.0.0.0');
    const base = `http://127.0.0.1:${new URL(String(listening.url)).port}`;
    await daemon.waitForLog('sweeper started');

    expect((await api(base, '/openapi.json')).status).toBe(200);
    expect((await api(base, '/v1/delegations')).status).toBe(401);
    const created = await api(base, '/v1/delegations', {
      method: 'POST',
      token: caller.token,
      body: JSON.stringify({ calleeId: 'translator', task: 'translate' }),
    });
    expect(created.status).toBe(201);
    const id = (created.body as { delegation: { delegationId: string } }).delegation.delegationId;
    const claimed = await api(base, '/v1/claims', { method: 'POST', token: agent.token, body: '{}' });
    expect(claimed.body).toMatchObject({ delegations: [{ delegationId: id, status: 'dispatched' }] });
    expect((await api(base, `/v1/delegations/${id}/heartbeat`, { method: 'POST', token: agent.token, body: '{}' })).body).toMatchObject({ stop: false });
    expect((await api(base, `/v1/delegations/${id}/complete`, { method: 'POST', token: agent.token, body: '{"result":"ok"}' })).status).toBe(200);
    expect((await api(base, `/v1/delegations/${id}/wait?timeoutMs=1000`, { token: caller.token })).body).toMatchObject({
      timedOut: false,
      delegation: { status: 'completed', resultPreview: 'ok' },
    });
    expect((await api(base, '/admin/stats', { token: caller.token })).status).toBe(403);

    daemon.signal('SIGTERM');
    const finished = await daemon.exited;
    expect(finished.code).toBe(0);
    for (const secret of [caller.token, agent.token]) expect(finished.stderr).not.toContain(secret);
  });
});
