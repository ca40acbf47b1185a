import 'reflect-metadata';
import { heartbeatSection } from './heartbeats.js';
import { benchPool, recreateDatabase } from './lib/postgres.js';

// Diagnostic: the heartbeat section's HOT share under several fillfactors (BENCH_FILLFACTORS=100,80,50).
await recreateDatabase();
const fillfactors = (process.env.BENCH_FILLFACTORS ?? '100,80,50').split(',').map(Number);
for (const fillfactor of fillfactors) {
  const pool = benchPool(1);
  await pool.query(`ALTER TABLE delegations SET (fillfactor = ${fillfactor})`);
  await pool.end();
  const figures = await heartbeatSection({ quick: process.env.BENCH_FULL !== '1', rounds: 1, scale: 20, progress: () => undefined });
  for (const hot of figures.filter((f) => f.name.startsWith('HOT share'))) {
    process.stdout.write(`fillfactor ${fillfactor}: ${hot.name} ${hot.median.toFixed(1)}%\n`);
  }
}
