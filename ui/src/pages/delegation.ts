import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Delegation, follow, IN_FLIGHT, type StoredEvent } from '../api.js';
import { duration, label, time } from '../format.js';
import { html } from '../html.js';
import { Failure, useLoad, useNow } from '../load.js';

export function DelegationPage({ id }: { id: string }) {
  const loaded = useLoad(() => api.get(id), [id]);
  const settings = useLoad(() => api.settings(), []);
  const now = useNow();
  const delegation = loaded.data?.delegation ?? null;
  const inFlight = delegation !== null && IN_FLIGHT.includes(delegation.status);
  const [live, setLive] = useState(false);
  // The delegation's own stream closes at a terminal status; it is followed only while in flight.
  useEffect(() => (inFlight ? follow(`/v1/delegations/${encodeURIComponent(id)}/events`, () => loaded.reload(), 150, setLive) : undefined), [id, inFlight]);

  if (loaded.data === null) {
    const missing = loaded.error !== null && /not found/i.test(loaded.error);
    return html`<h1>Delegation ${id}</h1>${missing ? html`<p role="alert">No delegation has this id.</p>` : html`<${Failure} error=${loaded.error} />`}`;
  }
  const d = loaded.data.delegation;
  const threshold = d.heartbeatTimeoutMs ?? settings.data?.stuckThresholdMs ?? null;
  const lastSign = d.lastHeartbeat ?? d.activeSince;
  const silent = lastSign === null ? null : now - Date.parse(lastSign);
  const left = Date.parse(d.deadline) - now;
  return html`
    <h1>Delegation <code>${d.delegationId}</code></h1>
    <p class="muted small" data-live=${live ? 'on' : 'off'} role="status">${live ? '● following live' : inFlight ? 'connecting…' : 'ended: not followed'}</p>
    <section class="card" aria-labelledby="state">
      <h2 id="state">State</h2>
      <dl class="pairs">
        <dt>Status</dt><dd><span class=${`badge status-${d.status}`} data-testid="status">${label(d.status)}</span></dd>
        <dt>Caller → callee</dt><dd>${d.callerId} → ${d.calleeId}</dd>
        <dt>Task</dt><dd>${d.taskPreview}</dd>
        <dt>Attempt</dt><dd>${d.attempt}${d.retry === null ? '' : ` of ${d.retry.maxAttempts}`}</dd>
        <dt>Deadline</dt><dd>${time(d.deadline)} <span class=${left < 0 ? 'warn' : 'muted'}>(${left < 0 ? `passed ${duration(-left)} ago` : `${duration(left)} left`})</span></dd>
        <dt>Last heartbeat</dt>
        <dd>
          ${d.lastHeartbeat === null ? 'none' : `${time(d.lastHeartbeat)}`}
          ${silent === null ? null : html` <span class=${threshold !== null && silent > threshold ? 'warn' : 'muted'}>(silent ${duration(silent)}${threshold === null ? '' : ` of ${duration(threshold)} allowed`})</span>`}
          ${threshold !== null && silent !== null ? html`<meter min="0" max=${threshold} high=${threshold * 0.8} value=${Math.min(silent, threshold)} aria-label="silence against the stuck threshold"></meter>` : null}
        </dd>
        ${d.progress === null ? null : html`<dt>Progress</dt><dd>${Math.round(d.progress * 100)}%</dd>`}
        ${d.errorDetail === null ? null : html`<dt>Detail</dt><dd>${d.errorDetail}</dd>`}
        ${d.resultPreview === null ? null : html`<dt>Result</dt><dd>${d.resultPreview}</dd>`}
        ${d.availableAt === null ? null : html`<dt>Available at</dt><dd>${time(d.availableAt)}</dd>`}
      </dl>
      <${Actions} delegation=${d} onDone=${() => loaded.reload()} />
    </section>
    <section aria-labelledby="timeline">
      <h2 id="timeline">History</h2>
      <ol class="timeline" data-testid="timeline">
        ${[...loaded.data.history].reverse().map((e) => html`<${EventItem} event=${e} />`)}
      </ol>
    </section>
  `;
}

function EventItem({ event }: { event: StoredEvent }) {
  const details = Object.entries(event.data).filter(([, v]) => v !== null && v !== undefined && v !== '');
  return html`<li data-type=${event.type}>
    <div class="when">${time(event.occurredAt)}</div>
    <div>
      <strong>${label(event.type)}</strong>
      <span class="muted"> ${event.fromStatus === null ? '' : `${label(event.fromStatus)} → `}${label(event.toStatus)} · attempt ${event.attempt} · by ${event.actor}</span>
      ${details.length === 0 ? null : html`<dl class="details">${details.map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'string' ? v : JSON.stringify(v)}</dd>`)}</dl>`}
    </div>
  </li>`;
}

function Actions({ delegation, onDone }: { delegation: Delegation; onDone: () => void }) {
  const [action, setAction] = useState<'retry' | 'cancel' | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (action !== null) dialog.current?.showModal();
    else dialog.current?.close();
  }, [action]);
  // The domain lets an operator requeue only a stuck delegation (a terminal one stays terminal).
  const canRetry = delegation.status === 'stuck';
  const canCancel = IN_FLIGHT.includes(delegation.status);
  const confirm = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      if (action === 'retry') await api.retry(delegation.delegationId);
      if (action === 'cancel') await api.cancel(delegation.delegationId, reason.trim());
      setAction(null);
      setReason('');
      onDone();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    }
  };
  return html`
    <div class="actions">
      <button type="button" disabled=${!canRetry} onClick=${() => setAction('retry')}>Retry…</button>
      <button type="button" class="danger" disabled=${!canCancel} onClick=${() => setAction('cancel')}>Cancel…</button>
    </div>
    <dialog ref=${dialog} onClose=${() => setAction(null)} aria-labelledby="confirm-title">
      <form method="dialog" onSubmit=${confirm}>
        <h2 id="confirm-title">${action === 'retry' ? 'Retry this delegation?' : 'Cancel this delegation?'}</h2>
        <p>${action === 'retry' ? `A new attempt (${delegation.attempt + 1}) is queued for ${delegation.calleeId}.` : 'Its agent is told to stop at its next heartbeat. This cannot be undone.'}</p>
        ${
          action === 'cancel'
            ? html`<label for="cancel-reason">Reason</label>
                <input id="cancel-reason" name="reason" maxlength="4096" value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} />`
            : null
        }
        ${error === null ? null : html`<p class="error" role="alert">${error}</p>`}
        <div class="actions">
          <button type="submit" class=${action === 'cancel' ? 'danger' : ''}>${action === 'retry' ? 'Retry' : 'Cancel delegation'}</button>
          <button type="button" class="quiet" onClick=${() => setAction(null)}>Keep as is</button>
        </div>
      </form>
    </dialog>
  `;
}
