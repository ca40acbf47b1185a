import { Registry } from 'prom-client';
import { createAdminApp } from '../../../src/adapters/http/admin-app.js';
import type { BodyLimits } from '../../../src/adapters/http/body.js';
import { type HostEntry, servedHosts } from '../../../src/adapters/http/hosts.js';
import { hashToken, type TokenTable, tokenTable } from '../../../src/adapters/http/identity.js';
import { listen, type RunningServer } from '../../../src/adapters/http/server.js';
import type { Logger } from '../../../src/app/ports.js';
import { openDelegations } from '../../../src/delegations.js';
import type { WiredDelegations as Delegations } from '../../../src/wiring.js';

/** Ids of the seeded delegations: one per status an operator meets, plus ids that look like routes or escapes. */
export const IDS = {
  queued: 'q-1',
  running: 'r-1',
  stuck: 's-1',
  done: 'd-1',
  waiting: 'w-1',
  rejected: 'x-1',
  stats: 'stats',
  percent: '50%',
} as const;
export const TOKEN = 'corpus-Token_0.9~+/==';
/** One token per principal the role tests need: the seeded delegations' caller and callee, and strangers of each role. */
export const ROLE_TOKENS = {
  admin: 'role-admin-token',
  caller: 'role-caller-token',
  otherCaller: 'role-other-caller-token',
  agent: 'role-agent-token',
  otherAgent: 'role-other-agent-token',
} as const;
export const SEED_CALLER = 'http-test';
export const SEED_CALLEE = 'agent';

/** The token table of ROLE_TOKENS, as DELEGATIONS_TOKENS would configure it. */
export function roleTable(): TokenTable {
  return tokenTable([
    { role: 'admin', name: 'ops', sha256: hashToken(ROLE_TOKENS.admin) },
    { role: 'caller', name: 'own-caller', sha256: hashToken(ROLE_TOKENS.caller), callerId: SEED_CALLER },
    { role: 'caller', name: 'other-caller', sha256: hashToken(ROLE_TOKENS.otherCaller), callerId: 'someone-else' },
    { role: 'agent', name: 'own-agent', sha256: hashToken(ROLE_TOKENS.agent), calleeId: SEED_CALLEE },
    { role: 'agent', name: 'other-agent', sha256: hashToken(ROLE_TOKENS.otherAgent), calleeId: 'another-agent' },
  ]);
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** The port the in-process app pretends to be served on; requests name it in their URL and Host. */
export const PORT = 8080;
export const BASE = `http://127.0.0.1:${PORT}`;

export type LogLine = { readonly level: string; readonly fields: unknown; readonly message: string };

export type AdminFixture = {
  readonly delegations: Delegations;
  readonly app: ReturnType<typeof createAdminApp>;
  readonly logs: LogLine[];
  /** Every delegation with its history, as JSON: compared before and after a refused request. */
  snapshot(): Promise<string>;
  close(): Promise<void>;
};

export type FixtureOptions = {
  readonly token?: string | null | undefined;
  /** A token table besides the plain admin token (roleTable(), say). */
  readonly tokens?: TokenTable | null | undefined;
  readonly bodyLimits?: BodyLimits | undefined;
  readonly extraHosts?: readonly HostEntry[] | undefined;
  /** Replaces the recording logger of the app, not the ledger's (to make request logging fail, say). */
  readonly logger?: Logger | undefined;
  /** False: an empty ledger. */
  readonly seed?: boolean | undefined;
  /** The port Host headers must name; a listening server passes its own. */
  readonly port?: () => number;
};

/** The admin app on the memory store, seeded, with a logger that records every line. */
export async function adminFixture(options: FixtureOptions = {}): Promise<AdminFixture> {
  const logs: LogLine[] = [];
  const recording = recordingLogger(logs);
  const logger = options.logger ?? recording;
  const delegations = await openDelegations({ store: 'memory', logger: recording });
  if (options.seed !== false) await seed(delegations);
  const { ledger, sweeper, clock } = delegations;
  const services = { ledger, sweeper, clock };
  const port = options.port ?? (() => PORT);
  const app = createAdminApp({
    services: () => services,
    registry: new Registry(),
    logger,
    token: options.token === undefined ? TOKEN : options.token,
    tokens: options.tokens,
    served: () => servedHosts('127.0.0.1', port(), options.extraHosts ?? []),
    bodyLimits: options.bodyLimits,
  });
  return { delegations, app, logs, snapshot: () => snapshot(delegations), close: () => delegations.close() };
}

/** The fixture's app on a real socket (127.0.0.1, a free port), for what only sockets can send. */
export async function listeningFixture(options: Omit<FixtureOptions, 'port'> = {}): Promise<AdminFixture & { readonly server: RunningServer }> {
  let port = 0;
  const fixture = await adminFixture({ ...options, port: () => port });
  const server = await listen(fixture.app, { port: 0, host: '127.0.0.1' });
  port = server.port;
  return {
    ...fixture,
    server,
    async close() {
      await server.close();
      await fixture.close();
    },
  };
}

async function seed({ ledger }: Delegations): Promise<void> {
  for (const id of Object.values(IDS)) await ledger.create({ delegationId: id, callerId: SEED_CALLER, calleeId: SEED_CALLEE, task: `task ${id}` });
  await ledger.setStatus(IDS.running, 'in_progress');
  await ledger.setStatus(IDS.stuck, 'in_progress');
  await ledger.setStatus(IDS.stuck, 'stuck', { errorDetail: 'no heartbeat', actor: 'sweeper' });
  await ledger.setStatus(IDS.done, 'completed', { resultPreview: 'ok' });
  await ledger.setStatus(IDS.waiting, 'in_progress');
  await ledger.requestInput(IDS.waiting, { question: 'which quarter?' });
  await ledger.setStatus(IDS.rejected, 'dispatched');
  await ledger.reject(IDS.rejected, { reason: 'not mine' });
}

async function snapshot({ ledger }: Delegations): Promise<string> {
  const rows = await ledger.list({ status: 'all', limit: 1000 });
  const histories = await Promise.all(rows.map(async (row) => [row.delegationId, await ledger.history(row.delegationId)] as const));
  return JSON.stringify({ rows: [...rows].sort((a, b) => a.delegationId.localeCompare(b.delegationId)), histories: histories.sort() });
}

export function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: string) =>
    (fields: unknown, message: string): void => {
      lines.push({ level, fields, message });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

export type Answer = { readonly status: number; readonly headers: Headers; readonly body: Record<string, unknown> | null; readonly text: string };

/** One request to the in-process app; `path` is appended to BASE unless it is a whole URL. */
export async function send(app: AdminFixture['app'], path: string, init: RequestInit = {}): Promise<Answer> {
  const url = /^https?:\/\//.test(path) ? path : `${BASE}${path}`;
  const response = await app.request(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: parseJson(text), text };
}

export function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export const auth = { authorization: `Bearer ${TOKEN}` };
