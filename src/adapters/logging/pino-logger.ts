import { pino, type Logger as Pino } from 'pino';
import type { LogFields, Logger } from '../../app/ports.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

class PinoLogger implements Logger {
  constructor(private readonly pino: Pino) {}
  debug(fields: LogFields, message: string): void {
    this.pino.debug(fields, message);
  }
  info(fields: LogFields, message: string): void {
    this.pino.info(fields, message);
  }
  warn(fields: LogFields, message: string): void {
    this.pino.warn(fields, message);
  }
  error(fields: LogFields, message: string): void {
    this.pino.error(fields, message);
  }
  child(fields: LogFields): Logger {
    return new PinoLogger(this.pino.child(fields));
  }
}

/** JSON lines on stderr; LOG_LEVEL picks the level (info when unset or unknown). */
export function createPinoLogger(options: { level?: string | undefined; destination?: NodeJS.WritableStream } = {}): Logger {
  const requested = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const level = (LEVELS as readonly string[]).includes(requested) ? requested : 'info';
  const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
  return new PinoLogger(pino({ name: 'delegations', level, base: { pid: process.pid } }, destination));
}

/** Discards everything; for hosts and tests that want silence. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
