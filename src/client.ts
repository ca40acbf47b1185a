/**
 * `delegation-ledger/client`: the daemon's /v1 API for callers and agents in another process,
 * typed as the in-process ledger is. `runDelegation` runs an agent's work on it as on the ledger.
 *
 * @example
 * const client = createClient({ baseUrl: 'http://127.0.0.1:8080', token: agentToken });
 * const [delegation] = await client.claim({ limit: 1 });
 * if (delegation) await runDelegation(client, delegation, async ({ signal }) => work(delegation.taskPreview, signal));
 */
import { DelegationsClient } from './adapters/http-client/client.js';
import type { ClientOptions } from './adapters/http-client/options.js';

export { DelegationsClient, type ClientCreateInput, type ListFilters, type ListPage, type Shown } from './adapters/http-client/client.js';
export type { ClientOptions } from './adapters/http-client/options.js';
export type { CallOptions } from './adapters/http-client/transport.js';
export { AccessDeniedError, RequestTimeoutError, ServiceError, ServiceUnavailableError } from './adapters/http-client/errors.js';
export { DelegationError, DelegationExistsError, DelegationNotFoundError, InvalidInputError, RetryableError, WaitTimeoutError } from './domain/errors.js';
export { runDelegation } from './runner.js';
export {
  DelegationStoppedError,
  type RunContext,
  type RunnerLedger,
  type RunOptions,
  type RunOutcome,
  type RunTarget,
  type RunWork,
} from './app/runner-api.js';
export type { Delegation } from './domain/delegation.js';
export type { StoredEvent } from './domain/events.js';
export type { Status } from './domain/status.js';
export type { HeartbeatOutcome, TransitionOutcome, WaitForOptions } from './app/ledger-api.js';

/** A client of one daemon, with one token. */
export function createClient(options: ClientOptions): DelegationsClient {
  return new DelegationsClient(options);
}
