// Builds dist/ beside itself and swaps it in, so dist/ is never missing or half-written for a CLI
// that is running (a test, a daemon) while a build runs.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const next = 'dist.next';
const old = 'dist.old';
rmSync(next, { recursive: true, force: true });
rmSync(old, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', next, '--tsBuildInfoFile', `${next}/.tsbuildinfo`], { stdio: 'inherit' });
if (existsSync('dist')) renameSync('dist', old);
renameSync(next, 'dist');
rmSync(old, { recursive: true, force: true });
