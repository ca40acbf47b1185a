import 'reflect-metadata';
import { postgresLibrary } from './library.js';
import { benchPool } from './postgres.js';
import type { CompleterReply, CompleterRequest } from './wait-protocol.js';
import { epochMs } from './wait-protocol.js';

/**
 * The other process of the waitFor bench (forked by bench/wait-for.ts): it completes the
 * delegations it is told to, through its own ledger (or by hand through pg, for the floor),
 * and answers with the moment each completion's commit returned, on the shared epoch clock.
 */
const POOL_SIZE = 16;
const lib = await postgresLibrary(POOL_SIZE);
const pool = benchPool(POOL_SIZE);

const send = (reply: CompleterReply) => process.send?.(reply);

async function completeByLedger(id: string): Promise<number> {
  const outcome = await lib.ledger.setStatus(id, 'completed', { resultPreview: 'done' });
  const at = epochMs();
  if (outcome.outcome !== 'applied') throw new Error(`${id}: completion ${outcome.outcome}`);
  return at;
}

/** The hand-written floor: commit the update, then NOTIFY the id on the channel the parent listens on. */
async function completeByHand(id: string, channel: string): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE delegations SET status = 'completed', version = version + 1, updated_at = now() WHERE delegation_id = $1 AND status = 'in_progress'`,
    [id],
  );
  const at = epochMs();
  if (rowCount !== 1) throw new Error(`${id}: not in progress`);
  await pool.query('SELECT pg_notify($1, $2)', [channel, id]);
  return at;
}

async function complete(request: Extract<CompleterRequest, { type: 'complete' }>): Promise<void> {
  const committed: [string, number][] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < request.ids.length; i = next++) {
      const id = request.ids[i] as string;
      committed.push([id, request.how === 'ledger' ? await completeByLedger(id) : await completeByHand(id, request.channel)]);
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, worker));
  send({ type: 'committed', committed });
}

process.on('message', (request: CompleterRequest) => {
  if (request.type === 'ping') send({ type: 'pong', at: epochMs() });
  else complete(request).catch((error: unknown) => send({ type: 'failed', message: String(error) }));
});
process.on('disconnect', () => {
  void Promise.all([lib.close(), pool.end()]).then(() => process.exit(0));
});
send({ type: 'ready' });
