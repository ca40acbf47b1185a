import { afterAll, describe, expect, it } from 'vitest';
import { DaemonProcess } from './support/daemon.js';

const daemons: DaemonProcess[] = [];
afterAll(async () => {
  await Promise.all(daemons.map((daemon) => daemon.kill()));
});

// Issue 10 item 9: a token outside RFC 6750 was accepted, and then no request could ever authenticate.
describe('the daemon refuses settings it cannot serve, before it listens', () => {
  it.each([
    ['DELEGATIONS_ADMIN_TOKEN', 'two words'],
    ['DELEGATIONS_ADMIN_TOKEN', 'tök-en'],
    ['DELEGATIONS_ADMIN_TOKEN', 'semi;colon'],
    ['DELEGATIONS_ALLOWED_HOSTS', 'http://ledger.internal'],
    ['DELEGATIONS_TOKENS', '[{"role":"agent","name":"t1","sha256":"not-a-digest","calleeId":"translator"}]'],
    ['DELEGATIONS_TOKENS', '[]'],
    ['DELEGATIONS_TOKENS_FILE', '/nonexistent/tokens.json'],
  ])('%s=%j: exits non-zero with a message naming the variable', async (name, value) => {
    const daemon = DaemonProcess.start('bin', ['--data-dir', '/nonexistent/never-created'], { [name]: value });
    daemons.push(daemon);
    const finished = await daemon.exited;
    expect(finished.code).not.toBe(0);
    expect(finished.stderr).toMatch(new RegExp(`^error: ${name}\\b`, 'm'));
    expect(daemon.logs.some((line) => line.msg === 'admin API listening')).toBe(false);
  });
});
