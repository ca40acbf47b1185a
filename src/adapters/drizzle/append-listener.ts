import type { ChangeSignal } from '../../app/change-signal.js';
import type { Logger } from '../../app/ports.js';
import { NotificationsUnavailableError, type DatabaseNotifications } from './notifications.js';

const FIRST_RECONNECT_MS = 100;
const MAX_RECONNECT_MS = 5_000;

/**
 * Keeps one listening session open while at least one subscription runs, turning
 * notifications into the in-process signal. A lost session is reopened with
 * backoff; meanwhile subscribers poll. After a reconnect the signal fires once,
 * since events may have been appended while nobody was listening. Where LISTEN cannot
 * work (a pooler in transaction mode), it stops trying, says so once, and subscribers poll.
 */
export class AppendListener {
  private users = 0;
  private session: { close(): Promise<void> } | null = null;
  private opening: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;
  private unavailable = false;

  constructor(
    private readonly notifications: DatabaseNotifications,
    private readonly signal: ChangeSignal,
    private readonly logger: Logger,
  ) {}

  acquire(): void {
    this.users += 1;
    if (this.users === 1 && !this.unavailable && this.session === null && this.opening === null) this.open();
  }

  async release(): Promise<void> {
    this.users -= 1;
    if (this.users > 0) return;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    await this.opening;
    if (this.users > 0) return;
    const session = this.session;
    this.session = null;
    await session?.close();
  }

  private open(): void {
    this.opening = this.notifications
      .listen(
        () => this.signal.notify(),
        (error) => this.lost(error),
      )
      .then(
        async (session) => {
          if (this.users === 0) return session.close();
          this.session = session;
          if (this.failures > 0) this.logger.info({ attempts: this.failures }, 'subscription wake-ups restored');
          this.failures = 0;
          this.signal.notify();
        },
        (error: unknown) => this.lost(error),
      )
      .finally(() => {
        this.opening = null;
      });
  }

  private lost(error: unknown): void {
    this.session = null;
    if (error instanceof NotificationsUnavailableError) {
      this.giveUp(error);
      return;
    }
    if (this.users === 0) return;
    this.failures += 1;
    const delay = Math.min(FIRST_RECONNECT_MS * 2 ** (this.failures - 1), MAX_RECONNECT_MS);
    this.logger.warn({ err: error, attempt: this.failures, retryInMs: delay }, 'subscription wake-ups lost; polling until the listening connection is back');
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.users > 0) this.open();
    }, delay);
  }

  private giveUp(error: NotificationsUnavailableError): void {
    this.unavailable = true;
    if (!error.firstTime) return;
    this.logger.warn({ err: error }, 'subscription wake-ups unavailable: LISTEN does not work through this connection pooler; subscriptions and waiters poll');
  }
}
