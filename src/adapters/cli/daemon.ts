import type { Logger } from '../../app/ports.js';
import { createAdminApp } from '../http/admin-app.js';
import { listen } from '../http/server.js';
import { meteredServices } from '../metrics/metered-services.js';
import { createMetrics, observeLedger } from '../metrics/metrics.js';
import { describeStore, openStore, type StoreChoice } from './store.js';

export type DaemonSettings = {
  readonly choice: StoreChoice;
  readonly port: number;
  readonly host: string;
  readonly token: string | null;
  readonly logger: Logger;
};

const LOOPBACK = '127.0.0.1';

/**
 * The sweeper loop and the admin API until SIGINT or SIGTERM, then a graceful
 * stop: no new requests, the sweep in progress finishes, the database closes.
 * Resolves to the exit code: 1 when the sweeper could not start.
 */
export async function runDaemon(settings: DaemonSettings): Promise<number> {
  const { logger, token, choice } = settings;
  const stop = stopSignal(logger);
  try {
    const host = listenHost(settings);
    const delegations = await openStore(choice, { logger });
    try {
      const metrics = createMetrics();
      const services = meteredServices(delegations.container, metrics, logger);
      observeLedger(metrics, { ...services, logger });
      const server = await listen(createAdminApp({ ...services, registry: metrics.registry, logger, token }), { port: settings.port, host });
      const { intervalMs, thresholdMs } = services.sweeper;
      logger.info({ url: server.url, store: describeStore(choice), auth: token !== null, intervalMs, thresholdMs }, 'admin API listening');
      // The sweeper only fails to start when its first clock read fails: without a loop the daemon is useless, so it stops.
      const startFailed = stop.requested
        ? new Promise<never>(() => undefined)
        : services.sweeper.start().then(
            () => new Promise<never>(() => undefined),
            (error: unknown) => {
              logger.error({ err: error }, 'sweeper could not start');
              return 'start failed' as const;
            },
          );
      const reason = await Promise.race([stop.received, startFailed]);
      logger.info({ reason }, 'shutting down: refusing new requests, letting the sweep in progress finish');
      await Promise.all([server.close(), services.sweeper.stop()]);
      return reason === 'start failed' ? 1 : 0;
    } finally {
      await delegations.close();
      logger.info({}, 'stopped');
    }
  } finally {
    stop.dispose();
  }
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
