import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type CompleterReply, type CompleterRequest, epochMs } from './wait-protocol.js';

/** The forked completer (./completer.ts, run by tsx): one request in flight at a time. */
export class CompleterProcess {
  private readonly pending: ((reply: CompleterReply) => void)[] = [];

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: CompleterReply) => this.pending.shift()?.(reply));
  }

  static async start(): Promise<CompleterProcess> {
    const script = fileURLToPath(new URL('./completer.ts', import.meta.url));
    const child = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const completer = new CompleterProcess(child);
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the completer exited (${code}) before it was ready`))));
    const ready = new Promise<CompleterReply>((resolve) => completer.pending.push(resolve));
    await Promise.race([ready, exited]);
    return completer;
  }

  /** Completes `ids` in the child; resolves with the epoch time each one's commit returned there. */
  async complete(how: 'ledger' | 'raw', ids: readonly string[], concurrency: number, channel: string): Promise<Map<string, number>> {
    const reply = await this.ask({ type: 'complete', how, ids, concurrency, channel });
    if (reply.type === 'failed') throw new Error(`the completer failed: ${reply.message}`);
    if (reply.type !== 'committed') throw new Error(`the completer answered ${reply.type}`);
    return new Map(reply.committed);
  }

  /**
   * The child's epoch clock minus ours, from the ping with the shortest round trip: the
   * child read its clock somewhere inside that trip, so the estimate is within rtt / 2.
   */
  async clockOffset(pings: number): Promise<{ offsetMs: number; rttMs: number }> {
    let best = { offsetMs: 0, rttMs: Number.POSITIVE_INFINITY };
    for (let i = 0; i < pings; i += 1) {
      const sent = epochMs();
      const reply = await this.ask({ type: 'ping' });
      const received = epochMs();
      if (reply.type !== 'pong') throw new Error(`the completer answered ${reply.type} to a ping`);
      if (received - sent < best.rttMs) best = { offsetMs: reply.at - (sent + received) / 2, rttMs: received - sent };
    }
    return best;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await exited;
  }

  private ask(request: CompleterRequest): Promise<CompleterReply> {
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.child.send(request);
    });
  }
}
