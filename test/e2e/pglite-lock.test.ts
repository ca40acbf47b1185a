import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './support/processes.js';

const CONTENDERS = 21;
const SCRIPT = fileURLToPath(new URL('./support/lock-contender.ts', import.meta.url));

type Reply = { ready?: true; won?: boolean; error?: string; message?: string; released?: true };

/** A lock-contender process, talked to one JSON line at a time. */
class Contender {
  private readonly replies: Reply[] = [];
  private waiting: ((reply: Reply) => void) | null = null;
  readonly child: ChildProcess;

  constructor() {
    this.child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const reply = JSON.parse(line) as Reply;
      if (this.waiting) {
        const wake = this.waiting;
        this.waiting = null;
        wake(reply);
      } else this.replies.push(reply);
    });
  }

  next(): Promise<Reply> {
    const queued = this.replies.shift();
    return queued ? Promise.resolve(queued) : new Promise((resolve) => (this.waiting = resolve));
  }

  send(command: object): void {
    this.child.stdin?.write(`${JSON.stringify(command)}\n`);
  }
}

describe('the PGlite data-directory lock, raced by real processes', () => {
  let root = '';
  let contenders: Contender[] = [];
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'delegations-lock-'));
    contenders = Array.from({ length: CONTENDERS }, () => new Contender());
    await Promise.all(contenders.map((c) => c.next()));
  }, 120_000);
  afterAll(async () => {
    for (const c of contenders) c.child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  /** Every contender tries the lock on `dir` at one instant: exactly one wins, every other is told it is in use. */
  async function race(dir: string, racers: readonly Contender[] = contenders): Promise<Contender> {
    const at = Date.now() + 300;
    for (const c of racers) c.send({ op: 'lock', dir, at });
    const replies = await Promise.all(racers.map((c) => c.next()));
    const winners = racers.filter((_, i) => replies[i]?.won === true);
    const refusals = replies.filter((r) => r.won === false).map((r) => r.error);
    expect({ winners: winners.length, refusals }).toEqual({ winners: 1, refusals: racers.slice(1).map(() => 'DataDirectoryInUseError') });
    return winners[0] as Contender;
  }

  async function releaseBy(winner: Contender): Promise<void> {
    winner.send({ op: 'release' });
    expect(await winner.next()).toEqual({ released: true });
  }

  let round = 0;
  const freshDir = () => {
    round += 1;
    return join(root, `d${round}`);
  };
  const ticket = (pid: number, start: string) => JSON.stringify({ pid, start, boot: null });

  it('on a fresh directory: exactly one of 21 processes wins, round after round, and the lock is free again after release', async () => {
    for (let i = 0; i < 4; i += 1) {
      const dir = freshDir();
      await releaseBy(await race(dir));
      expect((await readdir(dir)).filter((name) => name.startsWith('delegations.lock'))).toEqual([]);
      await releaseBy(await race(dir));
    }
  }, 120_000);

  it('on a stale lock whose process is gone: exactly one wins, and the stale files are cleared', async () => {
    const dead = spawn(process.execPath, ['-e', '']);
    const pid = dead.pid as number;
    await new Promise((resolve) => dead.on('exit', resolve));
    for (let i = 0; i < 3; i += 1) {
      const dir = freshDir();
      await mkdir(dir);
      await writeFile(join(dir, 'delegations.lock'), String(pid));
      await writeFile(join(dir, 'delegations.lock.7'), ticket(pid, '12345'));
      const winner = await race(dir);
      expect((await readdir(dir)).filter((name) => name.startsWith('delegations.lock'))).toEqual(['delegations.lock.8']);
      await releaseBy(winner);
    }
  }, 120_000);

  it('on a stale lock naming a pid that a live process now has: start-up is not blocked, and exactly one wins', async () => {
    for (let i = 0; i < 3; i += 1) {
      const dir = freshDir();
      await mkdir(dir);
      // This test's own process is alive, but it is not the one that wrote the lock (its start time differs).
      await writeFile(join(dir, 'delegations.lock'), String(process.pid));
      await writeFile(join(dir, 'delegations.lock.3'), ticket(process.pid, '1'));
      await releaseBy(await race(dir));
    }
  }, 120_000);

  it('after its holder is killed with SIGKILL: the lock is taken over by exactly one of the others', async () => {
    for (let i = 0; i < 2; i += 1) {
      const dir = freshDir();
      const [victim, ...others] = contenders as [Contender, ...Contender[]];
      const held = await race(dir, [victim]);
      expect(held).toBe(victim);
      const exited = new Promise((resolve) => victim.child.on('exit', resolve));
      victim.child.kill('SIGKILL');
      await exited;
      await releaseBy(await race(dir, others));
      const replacement = new Contender();
      await replacement.next();
      contenders = [...others, replacement];
    }
  }, 120_000);
});
