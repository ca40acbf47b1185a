import 'reflect-metadata';
import { HEARTBEAT_COALESCING } from '../src/app/ledger.js';
import { statusFixtureIds, type StatusFixture } from './lib/fixtures.js';
import { postgresLibrary } from './lib/library.js';
import { throughput } from './lib/measure.js';
import { benchPool } from './lib/postgres.js';
import { pgTarget } from './lib/sql-target.js';
import { reset } from './transitions.js';

// Diagnostic: one heartbeat() per beat at a concurrency, the node process's CPU per beat, and the raw side.
const concurrency = Number(process.env.C ?? 64);
const count = Number(process.env.N ?? 20_000);
const fixture: StatusFixture = { prefix: 'h', count: 16_000, status: 'in_progress' };
const ids = statusFixtureIds(fixture);
if (process.env.IN_FLIGHT) Object.assign(HEARTBEAT_COALESCING as { maxInFlight: number }, { maxInFlight: Number(process.env.IN_FLIGHT) });
const lib = await postgresLibrary(16);
const pool = benchPool(16);
const target = pgTarget(pool);
await reset(target, [fixture]);
for (const side of ['ledger', 'raw', 'ledger', 'raw']) {
  const cpu = process.cpuUsage();
  const op =
    side === 'ledger'
      ? (i: number) => lib.ledger.heartbeat(ids[i % ids.length] as string)
      : (i: number) =>
          target.query(`UPDATE delegations SET last_heartbeat = GREATEST(last_heartbeat, now()) WHERE delegation_id = $1 AND status = 'in_progress'`, [
            ids[i % ids.length],
          ]);
  const rate = await throughput(count, concurrency, op);
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${side} c=${concurrency}: ${rate.toFixed(0)}/s, node CPU ${((used.user + used.system) / count).toFixed(1)} µs/beat\n`);
}
await lib.close();
await pool.end();
