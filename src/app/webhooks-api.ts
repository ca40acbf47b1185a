import type { EventType } from '../domain/index.js';

export type WebhookStatus = 'active' | 'paused';

/** A registered endpoint as the admin API shows it: never its secret. */
export type WebhookEndpoint = {
  readonly id: string;
  readonly url: string;
  /** Null: every event type. */
  readonly eventTypes: readonly EventType[] | null;
  readonly description: string | null;
  readonly status: WebhookStatus;
  /** Why it was paused (the last failure), null while active. */
  readonly pausedReason: string | null;
  readonly pausedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
};

/** What the store keeps: the endpoint and the secret its deliveries are signed with. */
export type StoredWebhookEndpoint = WebhookEndpoint & { readonly secret: string };

export type DeliveryOutcome = 'delivered' | 'failed';

/** One attempt to deliver one event to one endpoint. */
export type WebhookDelivery = {
  /** Increases with every attempt recorded in the store: the delivery log's order and cursor. */
  readonly id: number;
  readonly endpointId: string;
  /** The webhook-id header: `evt_<position>`, the same on every attempt of the event. */
  readonly webhookId: string;
  readonly eventPosition: number;
  readonly eventType: EventType;
  readonly attempt: number;
  readonly outcome: DeliveryOutcome;
  /** The receiver's status code; null when no answer came (refused, timed out). */
  readonly statusCode: number | null;
  /** Why the attempt failed, null when delivered. */
  readonly error: string | null;
  readonly durationMs: number;
  readonly attemptedAt: Date;
};

export type NewWebhookDelivery = Omit<WebhookDelivery, 'id'>;

export type DeliveryPage = { readonly deliveries: readonly WebhookDelivery[]; readonly nextCursor: string | null };

/** The endpoints and their delivery log. */
export interface WebhookStore {
  /** Throws InvalidInputError('id') when the id is taken. */
  insertEndpoint(endpoint: StoredWebhookEndpoint): Promise<void>;
  /** Oldest first. */
  listEndpoints(): Promise<StoredWebhookEndpoint[]>;
  loadEndpoint(id: string): Promise<StoredWebhookEndpoint | null>;
  /** Removes the endpoint and its delivery log; false when there was none. */
  deleteEndpoint(id: string): Promise<boolean>;
  /** Null when there is no such endpoint. */
  setEndpointStatus(id: string, change: StatusChange): Promise<StoredWebhookEndpoint | null>;
  /** Appends an attempt and drops that endpoint's attempts beyond the newest `keep`. */
  recordDelivery(delivery: NewWebhookDelivery, keep: number): Promise<WebhookDelivery>;
  /** Newest first; `beforeId` continues a page (the previous page's last id). */
  listDeliveries(endpointId: string, query: { readonly limit: number; readonly beforeId: number | null }): Promise<WebhookDelivery[]>;
}

export type StatusChange = { readonly status: 'active'; readonly at: Date } | { readonly status: 'paused'; readonly reason: string; readonly at: Date };

export type WebhookRequest = {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
};

/** A response (any status) or no response at all. */
export type WebhookResponse =
  | { readonly kind: 'answered'; readonly statusCode: number; readonly durationMs: number }
  | { readonly kind: 'no_answer'; readonly error: string; readonly durationMs: number };

/** Sends one signed delivery; never follows a redirect, never throws for a receiver's failure. */
export interface WebhookSender {
  send(request: WebhookRequest, abort: AbortSignal): Promise<WebhookResponse>;
}

export type RegisterWebhookInput = {
  readonly url: string;
  readonly eventTypes?: readonly EventType[] | null | undefined;
  /** `whsec_<base64>`; generated when absent. */
  readonly secret?: string | undefined;
  readonly description?: string | null | undefined;
};

/** The answer to a registration: the only place the secret is ever shown. */
export type RegisteredWebhook = { readonly endpoint: WebhookEndpoint; readonly secret: string };

/** Operators' registry of endpoints, and the deliveries running for the active ones. */
export interface Webhooks {
  register(input: RegisterWebhookInput): Promise<RegisteredWebhook>;
  list(): Promise<WebhookEndpoint[]>;
  get(id: string): Promise<WebhookEndpoint | null>;
  /** Stops its deliveries and forgets it; false when there was none. */
  remove(id: string): Promise<boolean>;
  /** A paused endpoint becomes active and delivers again from its checkpoint; null when there is none. */
  resume(id: string): Promise<WebhookEndpoint | null>;
  /** Null when there is no such endpoint. */
  deliveries(id: string, query?: { readonly limit?: number | undefined; readonly cursor?: string | undefined }): Promise<DeliveryPage | null>;
  /** Starts the deliveries of every active endpoint (the daemon, at start). */
  start(): Promise<void>;
  /** Resolves once the endpoint's deliveries have handed over everything written so far (tests, drains). */
  caughtUp(id: string): Promise<void>;
  /** Stops every delivery, waiting for the attempt in progress. */
  stop(): Promise<void>;
}

/** How deliveries retry, pause and how much of the log is kept. */
export type WebhookSettings = {
  /** Per attempt; past it the attempt failed. */
  readonly requestTimeoutMs: number;
  /** The first pause after a failure; each later one doubles, up to maxRetryDelayMs, with full jitter. */
  readonly initialRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** Consecutive failed attempts after which the endpoint is paused. */
  readonly pauseAfterFailures: number;
  /** An endpoint failing for longer than this (since its first failure in a row) is paused too. */
  readonly pauseAfterMs: number;
  /** Attempts kept in the delivery log per endpoint; older ones are dropped as new ones are written. */
  readonly keepDeliveries: number;
};

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  requestTimeoutMs: 10_000,
  initialRetryDelayMs: 1_000,
  // Then about every 5 minutes: a receiver that is down for a deploy is not hammered.
  maxRetryDelayMs: 300_000,
  pauseAfterFailures: 10,
  pauseAfterMs: 3_600_000,
  keepDeliveries: 1_000,
};

/** The name of an endpoint's subscription (its checkpoint). */
export function webhookSubscriptionName(endpointId: string): string {
  return `webhook:${endpointId}`;
}
