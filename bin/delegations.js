#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so the CLI works on a fresh clone with no build step.
// tsx registers in this process (no child process), so signals reach the daemon directly.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../src/adapters/cli/main.ts');
process.exitCode = await main(process.argv);
