import 'reflect-metadata';
import { statusFixtureIds, type StatusFixture } from './lib/fixtures.js';
import { postgresLibrary } from './lib/library.js';
import { throughput } from './lib/measure.js';
import { benchPool } from './lib/postgres.js';
import { pgTarget } from './lib/sql-target.js';
import { reset } from './transitions.js';

// Diagnostic: heartbeatMany batches of 1,000 against raw UPDATE ... FROM unnest, with the node process's CPU per batch.
const BATCH = 1_000;
const batches = Number(process.env.N ?? 200);
const fixture: StatusFixture = { prefix: 'h', count: 16_000, status: 'in_progress' };
const ids = statusFixtureIds(fixture);
const lib = await postgresLibrary(16);
const pool = benchPool(16);
const target = pgTarget(pool);
await reset(target, [fixture]);
const slice = (i: number) => ids.slice((i * BATCH) % ids.length, ((i * BATCH) % ids.length) + BATCH);
for (const side of (process.env.SIDES ?? 'ledger,raw,ledger,raw').split(',')) {
  const cpu = process.cpuUsage();
  const op =
    side === 'ledger'
      ? (i: number) => lib.ledger.heartbeatMany(slice(i))
      : (i: number) =>
          target.query(
            `UPDATE delegations d SET last_heartbeat = GREATEST(d.last_heartbeat, now()) FROM unnest($1::text[]) AS b(id) WHERE d.delegation_id = b.id AND d.status = 'in_progress'`,
            [slice(i)],
          );
  const rate = await throughput(batches, 1, op);
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${side}: ${(rate * BATCH).toFixed(0)} beats/s, node CPU ${((used.user + used.system) / batches / 1000).toFixed(2)} ms/batch\n`);
}
await lib.close();
await pool.end();
