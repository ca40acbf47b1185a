#!/usr/bin/env node
// Runs the compiled CLI in dist/ (shipped built in the package, built by `npm install` in a clone): no TypeScript at run time.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/adapters/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('delegations: dist/ is missing; run `npm run build` first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
