import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const STARTUP_LIMIT_MS = 10_000;
// Debian installs it in sbin, which a non-root PATH often lacks.
const SEARCHED = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];

/** A PgBouncer of a test's or a benchmark's own, in transaction mode, in front of the server the tests use. */
export type PgBouncer = {
  readonly port: number;
  /** The connection string of `database` through the pooler. */
  url(database: string): string;
  stop(): Promise<void>;
};

export type PgBouncerOptions = {
  /** The PostgreSQL server it pools for, as a connection string (its user and password log in). */
  readonly server: string;
  /** Server connections per database and user (PgBouncer's default_pool_size). */
  readonly poolSize?: number | undefined;
};

/** The pgbouncer binary: PGBOUNCER_BIN, else the first on PATH or in sbin; undefined when none is installed. */
export async function findPgBouncer(): Promise<string | undefined> {
  if (process.env.PGBOUNCER_BIN) return (await executable(process.env.PGBOUNCER_BIN)) ? process.env.PGBOUNCER_BIN : undefined;
  for (const dir of SEARCHED) {
    if (dir === '') continue;
    const candidate = join(dir, 'pgbouncer');
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

const executable = (path: string) =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );

/** Starts PgBouncer on a free local port; as root it runs as `postgres` (it refuses root). */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const binary = await findPgBouncer();
  if (binary === undefined) throw new Error('pgbouncer is not installed (apt-get install -y pgbouncer, or set PGBOUNCER_BIN)');
  const dir = await mkdtemp(join(tmpdir(), 'dl-pgbouncer-'));
  try {
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      try {
        return await launch(binary, dir, port, options);
      } catch (error) {
        // Another process may take the port between our probe and PgBouncer's bind.
        if (attempt >= 3) throw error;
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function launch(binary: string, dir: string, port: number, options: PgBouncerOptions): Promise<PgBouncer> {
  const server = new URL(options.server);
  const user = decodeURIComponent(server.username || 'postgres');
  const users = join(dir, 'users.txt');
  const ini = join(dir, 'pgbouncer.ini');
  await writeFile(users, `"${user}" "${decodeURIComponent(server.password)}"\n`);
  await writeFile(ini, config(server, port, users, options));
  // PgBouncer refuses root; as root it runs as postgres, which must read the files.
  const asRoot = process.getuid?.() === 0;
  if (asRoot)
    for (const [path, mode] of [
      [dir, 0o755],
      [users, 0o644],
      [ini, 0o644],
    ] as const)
      await chmod(path, mode);
  const child = spawn(binary, asRoot ? ['-u', 'postgres', ini] : [ini], { stdio: ['ignore', 'ignore', 'pipe'] });
  await listening(child, port);
  const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    url: (database) => {
      const url = new URL(options.server);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      url.pathname = `/${database}`;
      return url.toString();
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await stopped;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// Transaction pooling as production runs it; the startup parameters node-postgres sends for the
// time limits are dropped (PgBouncer 1.18 refuses unknown ones otherwise).
function config(server: URL, port: number, users: string, options: PgBouncerOptions): string {
  return `[databases]
* = host=${server.hostname} port=${server.port || 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${users}
pool_mode = transaction
default_pool_size = ${options.poolSize ?? 20}
max_client_conn = 500
ignore_startup_parameters = extra_float_digits, statement_timeout, lock_timeout, options
server_login_retry = 1
log_connections = 0
log_disconnections = 0
`;
}

/** Resolves once PgBouncer says it listens; rejects with its own words if it exits first. */
function listening(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pgbouncer did not listen on ${port} within ${STARTUP_LIMIT_MS} ms:\n${said}`));
    }, STARTUP_LIMIT_MS);
    // Read to the end (a full pipe would stall PgBouncer); only the last lines are kept, for an error.
    child.stderr?.on('data', (chunk: Buffer) => {
      said = (said + chunk.toString()).slice(-4_000);
      if (said.includes(`listening on 127.0.0.1:${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pgbouncer exited (${code}) before listening:\n${said}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`pgbouncer did not start: ${error.message}`, { cause: error }));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
