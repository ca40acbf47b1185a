import 'reflect-metadata';
import { statusFixtureIds, type StatusFixture } from './lib/fixtures.js';
import { postgresLibrary } from './lib/library.js';
import { throughput } from './lib/measure.js';
import { benchPool } from './lib/postgres.js';
import { pgTarget } from './lib/sql-target.js';
import { rawTransition, reset } from './transitions.js';

// Diagnostic: ledger.setStatus against the raw transaction at a concurrency, with the node process's CPU per transition.
const concurrency = Number(process.env.C ?? 1);
const count = Number(process.env.N ?? 1_000);
const lib = await postgresLibrary(16);
const pool = benchPool(16);
const target = pgTarget(pool);
for (let round = 0; round < 2; round += 1) {
  const fixtures: StatusFixture[] = [
    { prefix: 'l', count, status: 'queued' },
    { prefix: 'r', count, status: 'queued' },
  ];
  await reset(target, fixtures);
  const [ledgerIds, rawIds] = fixtures.map(statusFixtureIds) as [string[], string[]];
  for (const side of (process.env.SIDES ?? 'ledger,raw').split(',') as ('ledger' | 'raw')[]) {
    const cpu = process.cpuUsage();
    const op =
      side === 'ledger' ? (i: number) => lib.ledger.setStatus(ledgerIds[i] as string, 'dispatched') : (i: number) => rawTransition(target, rawIds[i] as string);
    const rate = await throughput(count, concurrency, op);
    const used = process.cpuUsage(cpu);
    process.stdout.write(`${side} c=${concurrency}: ${rate.toFixed(0)}/s, node CPU ${((used.user + used.system) / count).toFixed(0)} µs/op\n`);
  }
}
await lib.close();
await pool.end();
