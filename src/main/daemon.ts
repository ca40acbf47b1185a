import type { Sweeper } from '../app/ledger-api.js';
import type { Logger } from '../app/ports.js';
import { createAdminApp, type AdminServices, type MountContext } from '../adapters/http/admin-app.js';
import { type TokenTable, withAdminToken } from '../adapters/http/identity.js';
import { Sessions } from '../adapters/http/ui/sessions.js';
import { SweepHistory } from '../adapters/http/ui/sweep-history.js';
import { registerUi, type UiServices } from '../adapters/http/ui/ui-routes.js';
import { SystemClock } from '../adapters/system/system-clock.js';
import type { WiredDelegations } from '../wiring.js';
import { RetentionLoop, retentionFromEnv, type RetentionSettings } from '../app/retention-loop.js';
import { SystemTimers } from '../adapters/system/system-timers.js';
import { requireValidToken } from '../adapters/http/auth.js';
import { parseAllowedHosts, servedHosts, type ServedHosts } from '../adapters/http/hosts.js';
import { listen } from '../adapters/http/server.js';
import { mountServiceRoutes } from '../adapters/http/service-routes.js';
import { StreamHub } from '../adapters/http/sse.js';
import { meteredStore } from '../adapters/metrics/metered-store.js';
import { createMetrics } from '../adapters/metrics/metrics.js';
import { describeStore, openServices, prepareStore, type StoreChoice } from '../adapters/cli/store.js';

export type DaemonSettings = {
  readonly choice: StoreChoice;
  readonly port: number;
  readonly host: string;
  readonly token: string | null;
  /** The admin, caller and agent tokens (DELEGATIONS_TOKENS or DELEGATIONS_TOKENS_FILE); null: none. */
  readonly tokens?: TokenTable | null | undefined;
  readonly logger: Logger;
  /** Host names (or host:port) the API answers to besides loopback and HOST; default: DELEGATIONS_ALLOWED_HOSTS. */
  readonly allowedHosts?: string | undefined;
};

const LOOPBACK = '127.0.0.1';
const SHUTDOWN = 'shutting down: refusing new requests, letting the sweep in progress finish';

/**
 * The admin API and the sweeper loop until SIGINT or SIGTERM, then a graceful
 * stop: no new requests, the sweep in progress finishes, the database closes.
 * The API listens first, so /healthz answers (503, starting) while a fresh
 * PGlite directory is being created (in a worker thread: initdb would block
 * this one for seconds) and then opened (which blocks it for about half a second). Resolves to the exit code: 1 when
 * the sweeper could not start.
 */
export async function runDaemon(settings: DaemonSettings): Promise<number> {
  const { logger, token, choice } = settings;
  const tokens = settings.tokens ?? null;
  // Refused before anything starts: a token no request can present, or a Host list that cannot be read.
  if (token !== null) requireValidToken(token);
  const extraHosts = parseAllowedHosts(settings.allowedHosts ?? process.env.DELEGATIONS_ALLOWED_HOSTS);
  const host = listenHost(settings);
  const stop = stopSignal(logger);
  let ready: (AdminServices & WiredDelegations) | null = null;
  // Open event streams never end on their own: closed before the server, so its close does not wait on them.
  const hub = new StreamHub();
  let served: ServedHosts = servedHosts(host, settings.port, extraHosts);
  try {
    const metrics = createMetrics();
    const table = withAdminToken(tokens, token);
    // Read (and warned about) once at start; the dashboard's settings page shows what is in force.
    const retentionSettings = retentionFromEnv(process.env, logger);
    const dashboard = dashboardParts(table, () => ready, retentionSettings);
    const app = createAdminApp({
      services: () => ready,
      registry: metrics.registry,
      logger,
      token,
      tokens,
      served: () => served,
      sessions: dashboard.sessions,
      extraRoutes: (context) => {
        mountServiceRoutes(context, { services: () => ready, hub, logger, authenticated: table !== null, sessions: dashboard.sessions });
        dashboard.routes(context);
      },
    });
    const server = await listen(app, { port: settings.port, host });
    served = servedHosts(host, server.port, extraHosts);
    const auth = token !== null || tokens !== null;
    logger.info(
      { url: server.url, store: describeStore(choice), auth, tokens: (tokens?.entries.length ?? 0) + (token === null ? 0 : 1) },
      'admin API listening',
    );
    try {
      await prepareStore(choice);
      const services = await openServices(choice, { logger, decorateStore: meteredStore(metrics, logger) });
      try {
        metrics.observe({ ...services, logger });
        ready = services;
        dashboard.sample(services.sweeper);
        // Deliveries of the registered webhook endpoints, each from its checkpoint; close() stops them before the store.
        await services.webhooks.start();
        // Off unless DELEGATION_RETENTION_S is set: deleting history is the operator's choice.
        const retention = retentionOf(services.ledger, retentionSettings, logger);
        retention?.start();
        const reason = await Promise.race([stop.received, stop.requested ? never() : startFailure(services.sweeper, logger)]);
        logger.info({ reason }, SHUTDOWN);
        dashboard.stop();
        hub.close();
        await Promise.all([server.close(), services.sweeper.stop(), retention?.stop()]);
        return reason === 'start failed' ? 1 : 0;
      } finally {
        await services.close();
      }
    } finally {
      hub.close();
      await server.close();
      logger.info({}, 'stopped');
    }
  } finally {
    stop.dispose();
  }
}

/**
 * The dashboard under /ui: its sessions (the same tokens as the API), and the sweep history
 * the overview charts, sampled from the sweeper more often than it sweeps.
 */
function dashboardParts(table: TokenTable | null, services: () => WiredDelegations | null, retention: RetentionSettings | null) {
  const sessions = new Sessions({ table, clock: new SystemClock() });
  const history = new SweepHistory();
  let timer: NodeJS.Timeout | undefined;
  const uiServices = (): UiServices | null => {
    const wired = services();
    return wired === null
      ? null
      : {
          sweeper: wired.sweeper,
          config: wired.config,
          clock: wired.clock,
          progress: () => wired.feed.progress(),
          retention: () => (retention === null ? null : { olderThanMs: retention.olderThanMs, intervalMs: retention.intervalMs }),
        };
  };
  return {
    sessions,
    routes: (context: MountContext) => registerUi(context, { sessions, history, services: uiServices }),
    sample(sweeper: Sweeper) {
      const every = Math.max(100, Math.min(5_000, Math.floor(sweeper.intervalMs / 2)));
      timer = setInterval(() => history.observe(sweeper), every);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** Starts the loop; resolves only if it cannot start (its first clock read failed), since a daemon without a sweeper is useless. */
function startFailure(sweeper: Sweeper, logger: Logger): Promise<'start failed'> {
  return sweeper.start().then(never, (error: unknown) => {
    logger.error({ err: error }, 'sweeper could not start');
    return 'start failed' as const;
  });
}

function retentionOf(ledger: AdminServices['ledger'], settings: RetentionSettings | null, logger: Logger): RetentionLoop | null {
  return settings === null ? null : new RetentionLoop(ledger, new SystemTimers(), logger.child({ component: 'retention' }), settings);
}

function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}

/** Without a token the API is open, so it must not be reachable from other hosts. */
function listenHost({ host, token, tokens, logger }: DaemonSettings): string {
  if (token !== null || (tokens ?? null) !== null) return host;
  const message =
    'no token is configured (DELEGATIONS_ADMIN_TOKEN, DELEGATIONS_TOKENS or DELEGATIONS_TOKENS_FILE): the API needs no token and listens on 127.0.0.1 only';
  if (host !== LOOPBACK) logger.warn({ requestedHost: host, host: LOOPBACK }, `${message} (HOST ignored)`);
  else logger.warn({ host: LOOPBACK }, message);
  return LOOPBACK;
}

function stopSignal(logger: Logger) {
  let requested: NodeJS.Signals | null = null;
  let resolve: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((r) => {
    resolve = r;
  });
  // `npm start` forwards Ctrl-C while the terminal sends it too: a second signal is expected, not an emergency.
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested !== null) return logger.info({ signal }, 'already shutting down');
    requested = signal;
    resolve(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    received,
    get requested() {
      return requested !== null;
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
export { readTokenTable } from '../adapters/http/token-config.js';
