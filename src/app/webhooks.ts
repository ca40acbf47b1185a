import { randomUUID } from 'node:crypto';
import { inject, injectable, optional } from 'inversify';
import { InvalidInputError } from '../domain/index.js';
import type { Clock, Logger, RandomSource, Timers } from './ports.js';
import type { Subscriptions } from './subscriptions-api.js';
import { TOKENS } from './tokens.js';
import { boundedInteger, requireId } from './validation.js';
import { checkRegistration } from './webhook-input.js';
import { WebhookWorker, type WorkerDeps } from './webhook-worker.js';
import {
  DEFAULT_WEBHOOK_SETTINGS,
  type DeliveryPage,
  type RegisteredWebhook,
  type RegisterWebhookInput,
  type StoredWebhookEndpoint,
  type WebhookEndpoint,
  type Webhooks,
  type WebhookSender,
  type WebhookSettings,
  type WebhookStore,
} from './webhooks-api.js';

const DEFAULT_PAGE = 50;
export const MAX_DELIVERY_PAGE = 500;
const MATH_RANDOM: RandomSource = { next: Math.random };

/**
 * The endpoint registry and, once started, one delivery worker per active endpoint.
 * Registering or resuming while started starts that endpoint's deliveries at once.
 */
@injectable()
export class WebhookService implements Webhooks {
  private readonly workers = new Map<string, WebhookWorker>();
  private readonly deps: WorkerDeps;
  private started = false;

  constructor(
    @inject(TOKENS.WebhookStore) private readonly store: WebhookStore,
    @inject(TOKENS.Subscriptions) subscriptions: Subscriptions,
    @inject(TOKENS.WebhookSender) sender: WebhookSender,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Timers) timers: Timers,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Random) @optional() random?: RandomSource,
    @inject(TOKENS.WebhookSettings) @optional() settings?: Partial<WebhookSettings>,
  ) {
    const merged = { ...DEFAULT_WEBHOOK_SETTINGS, ...settings };
    this.deps = { subscriptions, store, sender, clock, timers, logger, random: random ?? MATH_RANDOM, settings: merged };
  }

  async register(input: RegisterWebhookInput): Promise<RegisteredWebhook> {
    const checked = checkRegistration(input);
    const now = await this.clock.now();
    const endpoint: StoredWebhookEndpoint = {
      id: `wh_${randomUUID()}`,
      ...checked,
      status: 'active',
      pausedReason: null,
      pausedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.insertEndpoint(endpoint);
    // The URL is logged, the secret never.
    this.logger.info({ endpointId: endpoint.id, url: endpoint.url, eventTypes: endpoint.eventTypes }, 'webhook endpoint registered');
    if (this.started) this.startWorker(endpoint);
    return { endpoint: publicView(endpoint), secret: endpoint.secret };
  }

  async list(): Promise<WebhookEndpoint[]> {
    return (await this.store.listEndpoints()).map(publicView);
  }

  async get(id: string): Promise<WebhookEndpoint | null> {
    const endpoint = await this.store.loadEndpoint(requireId('id', id));
    return endpoint === null ? null : publicView(endpoint);
  }

  async remove(id: string): Promise<boolean> {
    requireId('id', id);
    await this.stopWorker(id);
    const removed = await this.store.deleteEndpoint(id);
    if (removed) this.logger.info({ endpointId: id }, 'webhook endpoint removed');
    return removed;
  }

  async resume(id: string): Promise<WebhookEndpoint | null> {
    const endpoint = await this.store.loadEndpoint(requireId('id', id));
    if (endpoint === null) return null;
    const resumed = endpoint.status === 'paused' ? await this.store.setEndpointStatus(id, { status: 'active', at: await this.clock.now() }) : endpoint;
    if (resumed === null) return null;
    if (endpoint.status === 'paused') this.logger.info({ endpointId: id }, 'webhook endpoint resumed');
    if (this.started && !this.workers.has(id)) this.startWorker(resumed);
    return publicView(resumed);
  }

  async deliveries(id: string, query: { limit?: number | undefined; cursor?: string | undefined } = {}): Promise<DeliveryPage | null> {
    requireId('id', id);
    const limit = boundedInteger('limit', query.limit, MAX_DELIVERY_PAGE) ?? DEFAULT_PAGE;
    const beforeId = cursorOf(query.cursor);
    if ((await this.store.loadEndpoint(id)) === null) return null;
    const rows = await this.store.listDeliveries(id, { limit: limit + 1, beforeId });
    const deliveries = rows.slice(0, limit);
    // Stryker disable next-line OptionalChaining: more rows than the limit means the page is full
    return { deliveries, nextCursor: rows.length > limit ? String(deliveries.at(-1)?.id) : null };
  }

  async start(): Promise<void> {
    this.started = true;
    for (const endpoint of await this.store.listEndpoints()) {
      if (endpoint.status === 'active' && !this.workers.has(endpoint.id)) this.startWorker(endpoint);
    }
  }

  async caughtUp(id: string): Promise<void> {
    await this.workers.get(id)?.caughtUp();
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.workers.keys()].map((id) => this.stopWorker(id)));
  }

  private startWorker(endpoint: StoredWebhookEndpoint): void {
    const worker: WebhookWorker = new WebhookWorker(endpoint, this.deps, ({ paused, error }) => {
      // Stryker disable next-line ConditionalExpression: subscriptions refuse a second runner under one name, so no newer worker holds the id here
      if (this.workers.get(endpoint.id) === worker) this.workers.delete(endpoint.id);
      if (error !== null && !paused) void this.gaveUp(endpoint.id, error);
    });
    this.workers.set(endpoint.id, worker);
  }

  private async stopWorker(id: string): Promise<void> {
    const worker = this.workers.get(id);
    this.workers.delete(id);
    await worker?.stop();
  }

  /** The subscription itself gave up (its store kept failing): recorded as a pause, so an operator sees it and can resume. */
  private async gaveUp(id: string, error: unknown): Promise<void> {
    const reason = `deliveries stopped: ${error instanceof Error ? error.message : String(error)}`;
    this.logger.error({ endpointId: id, err: error }, 'webhook deliveries stopped');
    try {
      await this.store.setEndpointStatus(id, { status: 'paused', reason, at: await this.clock.now() });
    } catch (failure) {
      this.logger.error({ endpointId: id, err: failure }, 'could not record the webhook endpoint as paused');
    }
  }
}

function publicView({ secret: _secret, ...endpoint }: StoredWebhookEndpoint): WebhookEndpoint {
  return endpoint;
}

function cursorOf(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  if (!/^[1-9][0-9]{0,15}$/.test(cursor) || !Number.isSafeInteger(Number(cursor))) throw new InvalidInputError('cursor', 'must be a cursor this API returned');
  return Number(cursor);
}
