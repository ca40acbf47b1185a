import { Webhook } from 'standardwebhooks';
import type { StoredEvent } from '../domain/index.js';
import type { Clock, Logger, RandomSource, Timers } from './ports.js';
import type { SubscriptionHandle, Subscriptions } from './subscriptions-api.js';
import { MAX_TIMER_MS } from './validation.js';
import {
  type StoredWebhookEndpoint,
  type WebhookResponse,
  type WebhookSender,
  type WebhookSettings,
  type WebhookStore,
  webhookSubscriptionName,
} from './webhooks-api.js';

export type WorkerDeps = {
  readonly subscriptions: Subscriptions;
  readonly store: WebhookStore;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: RandomSource;
  readonly logger: Logger;
  readonly settings: WebhookSettings;
};

// The Standard Webhooks spec: a receiver answering 410 Gone wants no more deliveries; retrying it is pointless.
const GONE = 410;
// Store outages inside a delivery (the log write) are retried by the subscription for hours, not given up on after 5.
const SUBSCRIPTION_MAX_ATTEMPTS = 1000;

/** Thrown out of the handler so the checkpoint stays before the event; the subscription is stopping. */
class DeliveryHalted extends Error {
  override readonly name = 'DeliveryHalted';
}

/**
 * The deliveries of one endpoint: one checkpointed subscription, one event per request, in
 * position order. A failed attempt is retried with capped exponential backoff and jitter;
 * after too many failures in a row (or failing for too long) the endpoint is paused and its
 * subscription stopped with the checkpoint before the event, so resuming skips nothing.
 */
export class WebhookWorker {
  private readonly handle: SubscriptionHandle;
  private readonly abort = new AbortController();
  private readonly signer: Webhook;
  private failures = 0;
  private failingSince: number | null = null;
  private paused = false;

  constructor(
    private readonly endpoint: StoredWebhookEndpoint,
    private readonly deps: WorkerDeps,
    onEnd: (outcome: { paused: boolean; error: unknown }) => void,
  ) {
    this.signer = new Webhook(endpoint.secret);
    this.handle = deps.subscriptions.subscribe({
      name: webhookSubscriptionName(endpoint.id),
      // A new endpoint receives what is written from now on; a resumed one continues from its checkpoint.
      from: 'end',
      types: endpoint.eventTypes ?? undefined,
      // One event per checkpoint: a pause or a crash redelivers at most the event in progress.
      batchSize: 1,
      maxAttempts: SUBSCRIPTION_MAX_ATTEMPTS,
      handler: async (events) => {
        for (const event of events) await this.deliver(event);
      },
    });
    this.handle.done.then(
      () => onEnd({ paused: this.paused, error: null }),
      (error: unknown) => onEnd({ paused: this.paused, error }),
    );
  }

  caughtUp(): Promise<number> {
    return this.handle.caughtUp();
  }

  /** Ends the wait or request in progress and the subscription; the event in progress is delivered again next time. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.handle.stop();
  }

  private async deliver(event: StoredEvent): Promise<void> {
    const body = JSON.stringify(payloadOf(event));
    const webhookId = `evt_${event.position}`;
    for (let attempt = 1; ; attempt += 1) {
      if (this.abort.signal.aborted) throw new DeliveryHalted('deliveries are stopping');
      const now = await this.deps.clock.now();
      const headers = this.headers(webhookId, now, body);
      const response = await this.deps.sender.send(
        { url: this.endpoint.url, headers, body, timeoutMs: this.deps.settings.requestTimeoutMs },
        this.abort.signal,
      );
      // An attempt cut short by stop() is not the receiver's failure: it is simply made again later.
      if (this.abort.signal.aborted) throw new DeliveryHalted('deliveries are stopping');
      const failure = failureOf(response);
      await this.deps.store.recordDelivery(
        {
          endpointId: this.endpoint.id,
          webhookId,
          eventPosition: event.position,
          eventType: event.type,
          attempt,
          outcome: failure === null ? 'delivered' : 'failed',
          statusCode: response.kind === 'answered' ? response.statusCode : null,
          error: failure,
          durationMs: response.durationMs,
          attemptedAt: now,
        },
        this.deps.settings.keepDeliveries,
      );
      if (failure === null) return this.succeeded();
      // Stryker disable next-line ConditionalExpression,LogicalOperator: a response with no answer has no status code to equal 410
      await this.failed(event, attempt, failure, now, response.kind === 'answered' && response.statusCode === GONE);
    }
  }

  private succeeded(): void {
    this.failures = 0;
    this.failingSince = null;
  }

  private async failed(event: StoredEvent, attempt: number, failure: string, now: Date, gone: boolean): Promise<void> {
    this.failures += 1;
    this.failingSince ??= now.getTime();
    const fields = { endpointId: this.endpoint.id, position: event.position, attempt, failures: this.failures };
    const reason = gone ? `the receiver ${failure} (Gone): it asks for no more deliveries` : this.pauseReason(now, failure);
    if (reason !== null) {
      this.paused = true;
      await this.deps.store.setEndpointStatus(this.endpoint.id, { status: 'paused', reason, at: now });
      this.deps.logger.warn({ ...fields, reason }, 'webhook endpoint paused: it keeps failing');
      // Not awaited: stop() waits for this very handler call to end.
      void this.handle.stop();
      throw new DeliveryHalted(`endpoint ${this.endpoint.id} paused`);
    }
    const delayMs = this.backoff();
    this.deps.logger.info({ ...fields, error: failure, retryInMs: delayMs }, 'webhook delivery failed; retrying');
    await this.wait(delayMs);
  }

  private pauseReason(now: Date, failure: string): string | null {
    const { pauseAfterFailures, pauseAfterMs } = this.deps.settings;
    if (this.failures >= pauseAfterFailures) return `${this.failures} failed attempts in a row; last: ${failure}`;
    const failingFor = now.getTime() - (this.failingSince ?? now.getTime());
    if (failingFor >= pauseAfterMs) return `failing for ${Math.round(failingFor / 1000)} s; last: ${failure}`;
    return null;
  }

  /** Half the capped exponential delay plus a random share of the other half: retries of many endpoints spread out. */
  private backoff(): number {
    const { initialRetryDelayMs, maxRetryDelayMs } = this.deps.settings;
    const cap = Math.min(maxRetryDelayMs, initialRetryDelayMs * 2 ** Math.min(this.failures - 1, 30), MAX_TIMER_MS);
    return Math.round(cap / 2 + this.deps.random.next() * (cap / 2));
  }

  private headers(webhookId: string, now: Date, body: string): Record<string, string> {
    return {
      'content-type': 'application/json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': this.signer.sign(webhookId, now, body),
    };
  }

  private wait(ms: number): Promise<void> {
    const { timers } = this.deps;
    const abort = this.abort.signal;
    return new Promise((resolve) => {
      const done = () => {
        timers.clearTimeout(timer);
        abort.removeEventListener('abort', done);
        resolve();
      };
      const timer = timers.setTimeout(done, ms);
      abort.addEventListener('abort', done);
    });
  }
}

/** The Standard Webhooks payload: type, timestamp (when the event happened) and the event itself. */
export function payloadOf(event: StoredEvent): { type: string; timestamp: string; data: Record<string, unknown> } {
  return {
    type: `delegation.${event.type}`,
    timestamp: event.occurredAt.toISOString(),
    data: {
      position: event.position,
      delegationId: event.delegationId,
      version: event.version,
      attempt: event.attempt,
      eventType: event.type,
      fromStatus: event.fromStatus,
      toStatus: event.toStatus,
      actor: event.actor,
      details: event.data,
    },
  };
}

function failureOf(response: WebhookResponse): string | null {
  if (response.kind === 'no_answer') return response.error;
  if (response.statusCode >= 200 && response.statusCode < 300) return null;
  if (response.statusCode >= 300 && response.statusCode < 400) return `answered ${response.statusCode} (redirects are not followed)`;
  return `answered ${response.statusCode}`;
}
