import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/delegations.js', import.meta.url));
const SMALL = ['--agents', '80', '--hours', '1', '--seed', '3', '--thresholds', '60,600', '--intervals', '60', '--jobs', '1'];

type Ran = { readonly code: number | null; readonly stdout: string; readonly stderr: string };

/** Runs the real launcher as its own process, the way an operator would. */
function delegations(...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const env = { ...process.env, LOG_LEVEL: 'silent' };
    const child = execFile(process.execPath, [BIN, 'simulate', ...args], { encoding: 'utf8', env }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : child.exitCode, stdout, stderr });
    });
  });
}

/** Well-formed enough to render: one <svg> root with the SVG namespace, every tag closed in order. */
function checkSvg(text: string): void {
  expect(text.trimStart().startsWith('<svg ')).toBe(true);
  expect(text).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const open: string[] = [];
  let roots = 0;
  for (const [, closing, name, selfClosing] of text.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (closing) expect(open.pop()).toBe(name);
    else if (!selfClosing) {
      if (open.length === 0) roots += 1;
      open.push(name as string);
    }
  }
  expect(open).toEqual([]);
  expect(roots).toBe(1);
}

describe('delegations simulate', () => {
  it('prints the table and a recommendation, and writes a valid SVG', async () => {
    const svg = join(mkdtempSync(join(tmpdir(), 'simulate-')), 'plot.svg');
    const run = await delegations(...SMALL, '--svg', svg);
    expect(run.stderr).not.toContain('\r');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^threshold\s+interval\s+retry\s+detect p50/m);
    expect(run.stdout).toMatch(/^threshold\s+interval\s+retry\s+completed\s+done p50\s+p95\s+attempts\s+max\s+duplicate work/m);
    expect(run.stdout).toMatch(/^Recommendation: /m);
    checkSvg(readFileSync(svg, 'utf8'));
  });

  it('prints byte-identical JSON for the same seed, from separate processes, with or without worker threads', async () => {
    const [first, second] = await Promise.all([delegations(...SMALL, '--json'), delegations(...SMALL, '--json', '--jobs', '2')]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({ seed: 3, agents: 80, hours: 1 });
    expect(report.settings).toHaveLength(2);
  });

  it('exits 2 with one line on stderr for usage errors', async () => {
    const cases: [string[], RegExp][] = [
      [['--agents', 'many'], /--agents: must be an integer/],
      [['--thresholds', '60,soon'], /--thresholds: must be positive whole seconds/],
      [['--bogus'], /unknown option '--bogus'/],
      [['--profiles', '/nonexistent/profiles.json'], /--profiles .*ENOENT/],
      [['--retry', 'maxAttempts=0'], /--retry\.maxAttempts: must be an integer from 1/],
      [['--retry', 'maxAttempt=3'], /--retry\.maxAttempt: is not a retry policy field/],
      [['--retry', 'three'], /--retry: must be "none" or name=value pairs/],
      [['--max-duplicate-rate', '0'], /--max-duplicate-rate: must be a number greater than 0/],
    ];
    const runs = await Promise.all(cases.map(([args]) => delegations(...args)));
    runs.forEach((run, i) => {
      const [args, message] = cases[i] as [string[], RegExp];
      expect({ args, code: run.code, stdout: run.stdout, lines: run.stderr.trim().split('\n').length }).toEqual({ args, code: 2, stdout: '', lines: 1 });
      expect(run.stderr).toMatch(message);
    });
  });

  it('compares retry policies given with --retry, each under every setting, and recommends one', async () => {
    const policies = ['--retry', 'none', '--retry', 'maxAttempts=3,requeueStuckAfterMs=0'];
    const run = await delegations(...SMALL, ...policies, '--max-false-positive-rate', '0.5', '--json');
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.policies.map((p: { label: string }) => p.label)).toEqual(['none', '3x/0s']);
    expect(report.settings.map((s: { policy: string }) => s.policy)).toEqual(['none', '3x/0s', 'none', '3x/0s']);
    expect(report.settings[1].retry).toMatchObject({ maxAttempts: 3, requeueStuckAfterMs: 0, initialDelayMs: 1000 });
    // At 1m the eager policy requeues live agents: a third of the delegations ran twice at once, so none wins.
    expect(report.settings[1].duplicateWork.rate).toBeGreaterThan(0.01);
    expect(report.recommendation).toMatchObject({ found: true, thresholdSeconds: 60, policy: { found: true, policy: 'none' } });
  });

  it('names the bad field of a profiles file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'simulate-')), 'profiles.json');
    writeFileSync(file, JSON.stringify({ profiles: [{ name: 'x', weight: 1 }] }));
    const run = await delegations('--profiles', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/profiles\[0\]\.bootSeconds/);
  });
});
