import { execFile } from 'node:child_process';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findBinDir, postgresUser, processTree } from './cluster-os.js';

const run = promisify(execFile);
const PORT_MIN = 55_000;
const PORT_SPAN = 1_000;
const SHARED_PORT = 5432;

export type StopMode = 'smart' | 'fast' | 'immediate';

/** A PostgreSQL cluster of the test's own: a temp dir, a port and a socket dir nobody else uses. */
export type ScratchCluster = {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  stop(mode?: StopMode): Promise<void>;
  start(): Promise<void>;
  /** `pg_ctl stop -m immediate`: the server dies without a checkpoint, as in a crash. */
  crash(): Promise<void>;
  /** SIGSTOP of the postmaster and every backend: the server hangs, connections stay open. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  destroy(): Promise<void>;
};

/** Why a scratch cluster cannot run here, or undefined when it can. */
export async function scratchClusterUnavailable(): Promise<string | undefined> {
  return (await findBinDir()) === undefined ? 'no initdb/pg_ctl under /usr/lib/postgresql or on PATH' : undefined;
}

/** For describe.skipIf: true only outside CI; in CI a missing PostgreSQL fails the suite instead. */
export async function skipScratchCluster(): Promise<boolean> {
  const reason = await scratchClusterUnavailable();
  if (reason === undefined) return false;
  if (process.env.CI === 'true') throw new Error(`the fault suite needs a scratch PostgreSQL cluster: ${reason}`);
  return true;
}

export type ScratchClusterOptions = {
  /** Server settings passed as `-c name=value`, e.g. to keep the WAL writer from flushing on its own. */
  readonly settings?: Readonly<Record<string, string | number>> | undefined;
};

export async function startScratchCluster(options: ScratchClusterOptions = {}): Promise<ScratchCluster> {
  const bin = await findBinDir();
  if (bin === undefined) throw new Error(`cannot start a scratch cluster: ${await scratchClusterUnavailable()}`);
  const user = await postgresUser();
  const root = await mkdtemp(join(tmpdir(), 'dl-scratch-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'sock');
  await mkdir(socketDir);
  if (user !== undefined) for (const dir of [root, socketDir]) await chown(dir, user.uid, user.gid);
  const as = (command: string, args: readonly string[]) =>
    user === undefined ? run(join(bin, command), [...args]) : run('runuser', ['-u', user.name, '--', join(bin, command), ...args]);
  try {
    // --no-sync: only initdb's own files; the server keeps fsync so a crash loses what a real one would.
    await as('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8']);
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  const cluster = new Cluster(as, root, dataDir, socketDir, options.settings ?? {});
  try {
    await cluster.startOnFreePort();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

type Runner = (command: string, args: readonly string[]) => Promise<unknown>;

class Cluster implements ScratchCluster {
  port = 0;
  private frozen: number[] = [];
  private running = false;

  constructor(
    private readonly as: Runner,
    private readonly root: string,
    readonly dataDir: string,
    private readonly socketDir: string,
    private readonly settings: Readonly<Record<string, string | number>>,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** A port picked at random can be taken between the check and the bind: try a few. */
  async startOnFreePort(): Promise<void> {
    let last: unknown;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      this.port = await freePort();
      try {
        return await this.start();
      } catch (error) {
        last = error;
      }
    }
    throw last;
  }

  async start(): Promise<void> {
    if (this.port === SHARED_PORT) throw new Error('a scratch cluster never runs on the shared server port 5432');
    const settings = Object.entries(this.settings).map(([name, value]) => ` -c ${name}=${value}`);
    const options = `-p ${this.port} -k ${this.socketDir} -c listen_addresses=127.0.0.1 -c max_connections=60 -c shared_buffers=32MB${settings.join('')}`;
    try {
      await this.as('pg_ctl', ['-D', this.dataDir, '-o', options, '-l', join(this.root, 'server.log'), '-w', '-t', '60', 'start']);
    } catch (error) {
      throw new Error(`scratch cluster did not start on port ${this.port}:\n${await this.logTail()}`, { cause: error });
    }
    this.running = true;
  }

  async stop(mode: StopMode = 'fast'): Promise<void> {
    if (!this.running) return;
    await this.thaw();
    await this.as('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    this.running = false;
  }

  crash(): Promise<void> {
    return this.stop('immediate');
  }

  async freeze(): Promise<void> {
    const postmaster = await this.postmasterPid();
    // The postmaster first, so it forks nothing new while its children are stopped.
    process.kill(postmaster, 'SIGSTOP');
    this.frozen = [postmaster];
    for (const pid of await processTree(postmaster)) {
      try {
        process.kill(pid, 'SIGSTOP');
        this.frozen.push(pid);
      } catch {
        // A backend that exited between the listing and the signal has nothing to freeze.
      }
    }
  }

  async thaw(): Promise<void> {
    for (const pid of [...this.frozen].reverse()) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone already: nothing to wake.
      }
    }
    this.frozen = [];
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    await rm(this.root, { recursive: true, force: true });
  }

  private async postmasterPid(): Promise<number> {
    const text = await readFile(join(this.dataDir, 'postmaster.pid'), 'utf8');
    const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no postmaster pid in ${this.dataDir}`);
    return pid;
  }

  private async logTail(): Promise<string> {
    const text = await readFile(join(this.root, 'server.log'), 'utf8').catch(() => '(no server log)');
    return text.split('\n').slice(-20).join('\n');
  }
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = PORT_MIN + Math.floor(Math.random() * PORT_SPAN);
    if (await canBind(port)) return port;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
