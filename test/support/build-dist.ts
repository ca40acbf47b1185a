import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const STAMP = join(REPO, 'dist', '.tsbuildinfo');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
const UI_STAMP = join(REPO, 'dist', 'ui', 'index.html');
const UI_INPUTS = ['ui', 'package.json'];

/**
 * vitest's globalSetup. The bin runs dist/, so a test that spawns the CLI must
 * never meet a dist older than the sources: rebuild (incrementally) when any
 * source, or a directory that lost one, changed after the last build.
 */
export default function buildDistWhenStale(): void {
  // `npm test` builds dist/ itself just before vitest starts: nothing to check, and nothing may rewrite it under running tests.
  if (process.env.npm_lifecycle_event === 'test') return;
  if (!existsSync(UI_STAMP) || newestInput(UI_INPUTS) > statSync(UI_STAMP).mtimeMs) {
    const vite = join(REPO, 'node_modules', 'vite', 'bin', 'vite.js');
    execFileSync(process.execPath, [vite, 'build', '--config', join(REPO, 'ui', 'vite.config.ts')], { cwd: REPO, stdio: 'inherit' });
  }
  if (existsSync(STAMP) && newestInput(INPUTS) <= statSync(STAMP).mtimeMs) return;
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(REPO, 'tsconfig.build.json')], { cwd: REPO, stdio: 'inherit' });
  // tsc leaves its build info alone when nothing it emits changed (a touched file): mark the check done anyway.
  const now = new Date();
  utimesSync(STAMP, now, now);
}

function newestInput(inputs: readonly string[]): number {
  let newest = 0;
  for (const input of inputs) {
    const path = join(REPO, input);
    newest = Math.max(newest, statSync(path).mtimeMs);
    if (!statSync(path).isDirectory()) continue;
    for (const entry of readdirSync(path, { recursive: true, withFileTypes: true }))
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}
