import { api } from '../api.js';
import { duration } from '../format.js';
import { html } from '../html.js';
import { Failure, useLoad } from '../load.js';

export function SettingsPage() {
  const { data, error } = useLoad(() => api.settings(), []);
  if (data === null) return html`<h1>Settings in force</h1><${Failure} error=${error} />`;
  const rows: [string, string][] = [
    ['Stuck threshold', duration(data.stuckThresholdMs)],
    ['Sweep interval', duration(data.sweepIntervalMs)],
    ['Grace after an outage', data.bootGraceMs === 0 ? 'off' : duration(data.bootGraceMs)],
    ['Outage gap', duration(data.outageGapMs)],
    ['Default deadline', duration(data.defaultDeadlineMs)],
  ];
  const retry = data.retry;
  return html`
    <h1>Settings in force</h1>
    <section aria-labelledby="sweeper">
      <h2 id="sweeper">Sweeper</h2>
      <dl class="pairs">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
    </section>
    <section aria-labelledby="retry">
      <h2 id="retry">Default retry policy</h2>
      ${
        retry === null
          ? html`<p>None: a failed or stuck delegation is not retried unless its caller asked for it.</p>`
          : html`<dl class="pairs">
              <dt>Attempts</dt><dd>${retry.maxAttempts}</dd>
              <dt>First delay</dt><dd>${duration(retry.initialDelayMs ?? 0)}</dd>
              <dt>Backoff factor</dt><dd>${retry.backoffFactor}</dd>
              <dt>Longest delay</dt><dd>${duration(retry.maxDelayMs ?? 0)}</dd>
              <dt>Jitter</dt><dd>${Math.round((retry.jitter ?? 0) * 100)}%</dd>
              <dt>Requeue stuck after</dt><dd>${retry.requeueStuckAfterMs === null || retry.requeueStuckAfterMs === undefined ? 'never' : duration(retry.requeueStuckAfterMs)}</dd>
            </dl>`
      }
    </section>
    <section aria-labelledby="retention">
      <h2 id="retention">Retention</h2>
      ${
        data.retention === null
          ? html`<p>Off: terminal delegations are kept.</p>`
          : html`<dl class="pairs"><dt>Prune terminal delegations older than</dt><dd>${duration(data.retention.olderThanMs)}</dd><dt>Every</dt><dd>${duration(data.retention.intervalMs)}</dd></dl>`
      }
    </section>
  `;
}
