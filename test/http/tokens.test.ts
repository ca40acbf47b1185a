import { afterEach, describe, expect, it, vi } from 'vitest';
import { readTokenTable } from '../../src/adapters/http/token-config.js';
import { runCli } from '../../src/adapters/cli/main.js';
import { ConfigurationError } from '../../src/index.js';
import { adminFixture, send } from './support/admin.js';

const SHA = 'a'.repeat(64);

/** Runs the CLI in-process and returns what it printed on stdout and stderr, and its exit code. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  try {
    const code = await runCli(['node', 'delegations', ...args], { writeOut: (text) => (stdout += text), writeErr: (text) => (stderr += text) });
    return { code, stdout, stderr };
  } finally {
    spy.mockRestore();
  }
}

describe('the token table', () => {
  it.each([
    ['not JSON', '[{', /^DELEGATIONS_TOKENS is not JSON/],
    ['not an array', '{}', /^DELEGATIONS_TOKENS: /],
    ['an unknown role', `[{"role":"root","name":"x","sha256":"${SHA}"}]`, /^DELEGATIONS_TOKENS\[0\]\.role: /],
    ['a digest that is not one', `[{"role":"admin","name":"ops","sha256":"abc"}]`, /^DELEGATIONS_TOKENS\[0\]\.sha256: .*64/],
    [
      'an agent without its callee',
      `[{"role":"admin","name":"ops","sha256":"${SHA}"},{"role":"agent","name":"t1","sha256":"${'b'.repeat(64)}"}]`,
      /^DELEGATIONS_TOKENS\[1\]\.calleeId: /,
    ],
    ['an unknown field', `[{"role":"admin","name":"ops","sha256":"${SHA}","token":"plain"}]`, /^DELEGATIONS_TOKENS\[0\]: /],
    ['the same token twice', `[{"role":"admin","name":"a","sha256":"${SHA}"},{"role":"admin","name":"b","sha256":"${SHA}"}]`, /"b" is configured twice/],
    ['no entry at all', '[]', /lists no token/],
  ])('%s: refused at start-up, naming the entry and field', async (_name, json, message) => {
    const refusal = readTokenTable({ DELEGATIONS_TOKENS: json });
    await expect(refusal).rejects.toBeInstanceOf(ConfigurationError);
    await expect(refusal).rejects.toThrow(message);
  });

  it('is read from DELEGATIONS_TOKENS_FILE, whose errors name that variable; both variables at once are refused', async () => {
    const files: Record<string, string> = { '/etc/tokens.json': `[{"role":"caller","name":"web","sha256":"${SHA}"}]` };
    const read = async (path: string) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return text;
    };
    await expect(readTokenTable({ DELEGATIONS_TOKENS_FILE: '/etc/tokens.json' }, read)).rejects.toThrow(/^DELEGATIONS_TOKENS_FILE\[0\]\.callerId: /);
    await expect(readTokenTable({ DELEGATIONS_TOKENS_FILE: '/nowhere' }, read)).rejects.toThrow(/DELEGATIONS_TOKENS_FILE: cannot read "\/nowhere" \(ENOENT\)/);
    await expect(readTokenTable({ DELEGATIONS_TOKENS: '[]', DELEGATIONS_TOKENS_FILE: '/etc/tokens.json' }, read)).rejects.toThrow(/not both/);
    expect(await readTokenTable({}, read)).toBeNull();
  });
});

describe('delegations token create', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints the secret once and the entry; the entry configured, the secret is an agent of that callee', async () => {
    const { code, stdout } = await cli(['token', 'create', '--role', 'agent', '--callee', 'translator', '--name', 't1']);
    expect(code).toBe(0);
    const secret = /stored nowhere\): (\S+)/.exec(stdout)?.[1] as string;
    const entry = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(entry).toMatchObject({ role: 'agent', name: 't1', calleeId: 'translator', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(entry)).not.toContain(secret);
    const fixture = await adminFixture({ token: null, tokens: await readTokenTable({ DELEGATIONS_TOKENS: JSON.stringify([entry]) }) });
    try {
      const claims = { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' } };
      expect((await send(fixture.app, '/v1/claims', { ...claims, body: '{}' })).status).toBe(200);
      expect((await send(fixture.app, '/v1/claims', { ...claims, body: '{"calleeId":"agent"}' })).status).toBe(403);
      expect((await send(fixture.app, '/admin/stats', { headers: claims.headers })).status).toBe(403);
    } finally {
      await fixture.close();
    }
  });

  it('--json gives the token and the entry; two tokens are never the same', async () => {
    const first = JSON.parse((await cli(['token', 'create', '--role', 'caller', '--caller', 'web', '--name', 'web-1', '--json'])).stdout);
    const second = JSON.parse((await cli(['token', 'create', '--role', 'caller', '--caller', 'web', '--name', 'web-2', '--json'])).stdout);
    expect(first.entry).toMatchObject({ role: 'caller', callerId: 'web', name: 'web-1' });
    expect(first.token).not.toBe(second.token);
    expect(first.entry.sha256).not.toBe(second.entry.sha256);
  });

  it.each([
    [['--role', 'agent', '--name', 't1'], /needs --callee/],
    [['--role', 'caller', '--name', 'w'], /needs --caller/],
    [['--role', 'admin', '--name', 'ops', '--callee', 'x'], /--callee applies to --role agent only/],
    [['--role', 'root', '--name', 'x'], /Allowed choices are admin, caller, agent/],
    [['--role', 'admin'], /--name/],
  ])('%j: a usage error (exit 2) saying what is missing', async (args, message) => {
    const { code, stderr, stdout } = await cli(['token', 'create', ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });
});
