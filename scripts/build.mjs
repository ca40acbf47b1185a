// Builds dist/ beside itself and swaps it in, so dist/ is never missing or half-written for a CLI
// that is running (a test, a daemon) while a build runs.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const next = 'dist.next';
const old = 'dist.old';
rmSync(next, { recursive: true, force: true });
rmSync(old, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const require = createRequire(import.meta.url);
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', next, '--tsBuildInfoFile', `${next}/.tsbuildinfo`], { stdio: 'inherit' });
// The dashboard's page and assets, which the daemon serves from dist/ui.
const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
execFileSync(process.execPath, [vite, 'build', '--config', 'ui/vite.config.ts', '--outDir', resolve(next, 'ui')], { stdio: 'inherit' });
if (existsSync('dist')) renameSync('dist', old);
renameSync(next, 'dist');
rmSync(old, { recursive: true, force: true });
