import type { Sweeper } from '../app/ledger-api.js';
import type { Logger } from '../app/ports.js';
import { RetentionLoop, retentionFromEnv } from '../app/retention-loop.js';
import { SystemTimers } from '../adapters/system/system-timers.js';
import { createAdminApp, type AdminServices } from '../adapters/http/admin-app.js';
import { requireValidToken } from '../adapters/http/auth.js';
import { parseAllowedHosts, servedHosts, type ServedHosts } from '../adapters/http/hosts.js';
import { listen } from '../adapters/http/server.js';
import { meteredStore } from '../adapters/metrics/metered-store.js';
import { createMetrics } from '../adapters/metrics/metrics.js';
import { describeStore, openServices, prepareStore, type StoreChoice } from '../adapters/cli/store.js';

export type DaemonSettings = {
  readonly choice: StoreChoice;
  readonly port: number;
  readonly host: string;
  readonly token: string | null;
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
  // Refused before anything starts: a token no request can present, or a Host list that cannot be read.
  if (token !== null) requireValidToken(token);
  const extraHosts = parseAllowedHosts(settings.allowedHosts ?? process.env.DELEGATIONS_ALLOWED_HOSTS);
  const host = listenHost(settings);
  const stop = stopSignal(logger);
  let ready: AdminServices | null = null;
  let served: ServedHosts = servedHosts(host, settings.port, extraHosts);
  try {
    const metrics = createMetrics();
    const app = createAdminApp({ services: () => ready, registry: metrics.registry, logger, token, served: () => served });
    const server = await listen(app, { port: settings.port, host });
    served = servedHosts(host, server.port, extraHosts);
    logger.info({ url: server.url, store: describeStore(choice), auth: token !== null }, 'admin API listening');
    try {
      await prepareStore(choice);
      const services = await openServices(choice, { logger, decorateStore: meteredStore(metrics, logger) });
      try {
        metrics.observe({ ...services, logger });
        ready = services;
        // Off unless DELEGATION_RETENTION_S is set: deleting history is the operator's choice.
        const retention = retentionOf(services.ledger, logger);
        retention?.start();
        const reason = await Promise.race([stop.received, stop.requested ? never() : startFailure(services.sweeper, logger)]);
        logger.info({ reason }, SHUTDOWN);
        await Promise.all([server.close(), services.sweeper.stop(), retention?.stop()]);
        return reason === 'start failed' ? 1 : 0;
      } finally {
        await services.close();
      }
    } finally {
      await server.close();
      logger.info({}, 'stopped');
    }
  } finally {
    stop.dispose();
  }
}

/** Starts the loop; resolves only if it cannot start (its first clock read failed), since a daemon without a sweeper is useless. */
function startFailure(sweeper: Sweeper, logger: Logger): Promise<'start failed'> {
  return sweeper.start().then(never, (error: unknown) => {
    logger.error({ err: error }, 'sweeper could not start');
    return 'start failed' as const;
  });
}

function retentionOf(ledger: AdminServices['ledger'], logger: Logger): RetentionLoop | null {
  const settings = retentionFromEnv(process.env, logger);
  return settings === null ? null : new RetentionLoop(ledger, new SystemTimers(), logger.child({ component: 'retention' }), settings);
}

function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}

/** Without a token the API is open, so it must not be reachable from other hosts. */
function listenHost({ host, token, logger }: DaemonSettings): string {
  if (token !== null) return host;
  const message = 'DELEGATIONS_ADMIN_TOKEN is not set: the admin API needs no token and listens on 127.0.0.1 only';
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
