/**
 * Another process for wait-for.postgres.test.ts: completes delegations `<prefix>0` to
 * `<prefix><count - 1>` on the database at `url`, a few at a time, and prints what it did.
 * Usage: node --import tsx complete-delegations.ts <url> <prefix> <count>
 */
import { createDelegations } from '../../../src/index.js';
import { silentLogger } from '../../../src/adapters/logging/pino-logger.js';

const CONCURRENCY = 8;

async function main(): Promise<void> {
  const [url, prefix, rawCount] = process.argv.slice(2);
  const count = Number(rawCount);
  if (url === undefined || prefix === undefined || !Number.isSafeInteger(count)) throw new Error('usage: complete-delegations.ts <url> <prefix> <count>');
  const delegations = await createDelegations({
    store: 'postgres',
    connectionString: url,
    migrate: false,
    poolSize: CONCURRENCY,
    logger: silentLogger,
    env: {},
  });
  let next = 0;
  let applied = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const outcome = await delegations.ledger.setStatus(`${prefix}${i}`, 'completed', { resultPreview: `result ${i}` });
      if (outcome.outcome === 'applied') applied += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    await delegations.close();
  }
  process.stdout.write(`${JSON.stringify({ applied, pid: process.pid })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
