/** The dashboard's only way to the server: same origin, the session cookie, and the CSRF token on every write. */

// The domain's own lists, bundled from the sources: the page can never disagree with the server.
import { EVENT_TYPES } from '../../src/domain/events.js';
import { IN_FLIGHT_STATUSES, STATUSES as DOMAIN_STATUSES, type Status } from '../../src/domain/status.js';

export type { Status };
export const STATUSES: readonly Status[] = DOMAIN_STATUSES;
export const IN_FLIGHT: readonly Status[] = IN_FLIGHT_STATUSES;

export type Delegation = {
  delegationId: string;
  callerId: string;
  calleeId: string;
  taskPreview: string;
  status: Status;
  attempt: number;
  version: number;
  deadline: string;
  heartbeatTimeoutMs: number | null;
  lastHeartbeat: string | null;
  activeSince: string | null;
  progress: number | null;
  resultPreview: string | null;
  errorDetail: string | null;
  availableAt: string | null;
  retry: { maxAttempts: number } | null;
  createdAt: string;
  updatedAt: string;
};

export type StoredEvent = {
  position: number;
  version: number;
  type: string;
  delegationId: string;
  attempt: number;
  fromStatus: Status | null;
  toStatus: Status;
  actor: string;
  occurredAt: string;
  data: Record<string, unknown>;
};

export type Session = { required: boolean; authenticated: boolean; name: string | null; csrf: string | null; expiresAt: string | null };
export type Settings = {
  stuckThresholdMs: number;
  sweepIntervalMs: number;
  bootGraceMs: number;
  outageGapMs: number;
  defaultDeadlineMs: number;
  retry: Record<string, number | null> | null;
  retention: { olderThanMs: number; intervalMs: number } | null;
};
export type Sweep = { at: string; stuckMarked: number; deadlineFailures: number; requeued: number; retriesExhausted: number; errors: number; scanned: number };
export type Lag = { head: number; subscriptions: { name: string; position: number; lag: number; updatedAt: string | null }[] };
export type Page = { delegations: Delegation[]; nextCursor: string | null };
export type ListFilter = {
  status?: string | undefined;
  callerId?: string | undefined;
  calleeId?: string | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
};

/** A refusal from the server, with its JSON problem when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { error?: string; message?: string; field?: string; reason?: string },
  ) {
    super(problem.message ?? `the server answered ${status}`);
  }
}

let csrf: string | null = null;

export function setCsrf(token: string | null): void {
  csrf = token;
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf !== null) headers['x-csrf-token'] = csrf;
  const response = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? null : JSON.stringify(body) });
  if (response.status === 204) return undefined as T;
  const json = (await response.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (response.status === 401 && !path.startsWith('/ui/api/')) {
    // The session expired: back to the login, then here again.
    location.assign(`/ui/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

export const api = {
  session: () => call<Session>('GET', '/ui/api/session'),
  login: (token: string) => call<Session>('POST', '/ui/api/login', { token }),
  logout: () => call<void>('POST', '/ui/api/logout'),
  stats: () => call<Record<Status, number>>('GET', '/admin/stats'),
  settings: () => call<Settings>('GET', '/admin/settings'),
  sweeps: () => call<{ windowMs: number; sweeps: Sweep[] }>('GET', '/admin/sweeps'),
  lag: () => call<Lag>('GET', '/admin/subscriptions'),
  list: (filter: ListFilter) => call<Page>('GET', `/v1/delegations?${query(filter)}`),
  get: (id: string) => call<{ delegation: Delegation; history: StoredEvent[] }>('GET', `/v1/delegations/${encodeURIComponent(id)}`),
  retry: (id: string) => call<unknown>('POST', `/admin/delegations/${encodeURIComponent(id)}/retry`, {}),
  cancel: (id: string, reason: string) => call<unknown>('POST', `/admin/delegations/${encodeURIComponent(id)}/cancel`, reason === '' ? {} : { reason }),
};

function query(filter: ListFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined && value !== '') params.set(key, String(value));
  return params.toString();
}

/**
 * Calls `onChange` (at most every `debounceMs`) when an event arrives on the stream; the
 * browser's EventSource reconnects by itself with Last-Event-ID. Returns the closer.
 */
export function follow(path: string, onChange: (event: MessageEvent) => void, debounceMs = 300, onLive?: (live: boolean) => void): () => void {
  const source = new EventSource(path, { withCredentials: true });
  source.addEventListener('open', () => onLive?.(true));
  source.addEventListener('error', () => onLive?.(false));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last: MessageEvent | null = null;
  const fire = (event: Event) => {
    last = event as MessageEvent;
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (last !== null) onChange(last);
    }, debounceMs);
  };
  // Named SSE events reach only their own listeners: listen to every kind the server sends.
  for (const type of ['message', 'delegation', 'state', 'event', ...EVENT_TYPES]) source.addEventListener(type, fire);
  return () => {
    clearTimeout(timer);
    source.close();
    onLive?.(false);
  };
}
