import { performance } from 'node:perf_hooks';
import type { WebhookRequest, WebhookResponse, WebhookSender } from '../../app/webhooks-api.js';

const USER_AGENT = 'delegation-ledger-webhooks';

/**
 * POSTs with Node's fetch. A redirect is answered as it came (3xx, a failure), never
 * followed: the signature was made for this URL. The timeout is real time, like the
 * network it bounds; the body of the answer is not read.
 */
export class FetchWebhookSender implements WebhookSender {
  async send(request: WebhookRequest, abort: AbortSignal): Promise<WebhookResponse> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const timeout = AbortSignal.timeout(request.timeoutMs);
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: { ...request.headers, 'user-agent': USER_AGENT },
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.any([abort, timeout]),
      });
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'answered', statusCode: response.status, durationMs: elapsed() };
    } catch (error) {
      const reason = timeout.aborted ? `no answer within ${request.timeoutMs} ms` : abort.aborted ? 'stopped' : describe(error);
      return { kind: 'no_answer', error: reason, durationMs: elapsed() };
    }
  }
}

/** fetch says only "fetch failed"; the cause names what happened (ECONNREFUSED, a TLS error). */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return `request failed: ${cause.code}`;
  if (typeof cause?.message === 'string') return `request failed: ${cause.message}`;
  return `request failed: ${error instanceof Error ? error.message : String(error)}`;
}
